// The case API's response and request shapes, from functions/cases_api/openapi.json.

export type AlertStatus = "new" | "case_opened" | "merged" | "dismissed" | "case_closed";
export type AlertLevel = "warning" | "critical";
export type CaseStatus =
  | "open"
  | "in_review"
  | "intervention_planned"
  | "intervention_in_progress"
  | "monitoring"
  | "closed";
export type Disposition =
  | "intervention_completed"
  | "no_action_needed"
  | "false_positive"
  | "referred_outside_eis"
  | "officer_separated";

export interface FactorOut {
  indicator: string;
  label: string;
  officer_value: number;
  peer_median: number;
  peer_percentile: number;
  peer_group: string;
}

export interface RuleHitOut {
  rule_id: string;
  description: string;
  level: AlertLevel;
  value: number;
  threshold: number;
}

export interface AlertOut {
  alert_id: string;
  officer_id: string;
  as_of: string;
  created_at: string;
  level: AlertLevel;
  score: number;
  status: AlertStatus;
  case_id: string | null;
  explanation: string;
  factors: FactorOut[];
  rules: RuleHitOut[];
  run_id: string;
  scoring_config_id: string;
  trained_model_id: string | null;
}

export interface AlertList {
  alerts: AlertOut[];
  count: number;
}

export interface CaseTransitionOut {
  from_status: CaseStatus;
  to_status: CaseStatus;
  at: string;
  by: string;
  by_role: string;
  reason: string | null;
  disposition: Disposition | null;
  referred_to: string | null;
  disagreed_rules: string[];
  disagreed_factors: string[];
}

export interface NextTransitionOut {
  to: CaseStatus;
  requires: string[];
  dispositions: Disposition[];
  description: string;
}

export interface NoteOut {
  note_id: string;
  case_id: string;
  created_at: string;
  author: string;
  author_role: string;
  text: string;
}

export interface CaseOut {
  case_id: string;
  officer_id: string;
  alert_ids: string[];
  status: CaseStatus;
  disposition: Disposition | null;
  opened_at: string;
  opened_by: string;
  supervisor_id: string | null;
  review_due_on: string;
  history: CaseTransitionOut[];
  next_transitions: NextTransitionOut[];
  notes: NoteOut[];
}

export interface TransitionIn {
  to: CaseStatus;
  reason?: string;
  disposition?: Disposition;
  referred_to?: string;
}

export interface ErrorOut {
  error: string;
  message: string;
  case_id?: string | null;
  field?: string | null;
  allowed_transitions?: CaseStatus[] | null;
}
