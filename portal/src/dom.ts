// Building DOM nodes without innerHTML: text from the API is always a text node, never markup.

type Attrs = Record<string, string | boolean | number | undefined | null>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replace the main landmark's content, set the title and move focus to the page heading. */
export function render(title: string, ...content: (Node | string)[]): HTMLElement {
  const main = document.getElementById("main-content") as HTMLElement;
  main.replaceChildren(...content);
  document.title = `${title} · EIS portal`;
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  return main;
}

export function alertBox(kind: "error" | "success" | "info" | "warning", heading: string, text: string): HTMLElement {
  return h(
    "div",
    { class: `usa-alert usa-alert--${kind} usa-alert--slim margin-y-2`, role: kind === "error" ? "alert" : "status" },
    h("div", { class: "usa-alert__body" }, h("p", { class: "usa-alert__text" }, h("strong", {}, heading), " ", text)),
  );
}

/** Words the API spells in lower case inside identifiers that a reader expects in capitals. */
const ACRONYMS = new Set(["eis", "id"]);

/** An API identifier as words: "referred_outside_eis" -> "Referred outside EIS". */
export function humanize(value: string): string {
  const text = value
    .split("_")
    .map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word))
    .join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
}

export function formatDate(iso: string): string {
  const date = new Date(`${iso.slice(0, 10)}T00:00:00`);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString("en-US", { dateStyle: "medium" });
}

/** A USWDS table, stacked on narrow screens: the first cell of each row is its row header. */
export function dataTable(id: string, caption: string, headings: string[], rows: (Node | string)[][]): HTMLElement {
  return h("table", { class: "usa-table usa-table--borderless usa-table--compact usa-table--stacked width-full", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map(([first, ...rest]) => h("tr", {},
      h("th", { scope: "row", "data-label": headings[0] }, first ?? ""),
      rest.map((cell, i) => h("td", { "data-label": headings[i + 1] }, cell)),
    ))),
  );
}
