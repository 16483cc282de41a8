// Generated from functions/cases_api/openapi.json by scripts/openapi-types.mjs: do not edit.
// Regenerate with `npm run types`; `npm run build` fails when this file is out of date.

/** An admin made a model current by hand (``POST /models/{id}/promotion``). */
export interface AdminPromotion {
  at: string;
  by: string;
  by_role: string;
  model_id: string;
  previous_model_id: string | null;
  reason: string;
}

export type AlertLevel = "warning" | "critical";

export interface AlertList {
  alerts: AlertOut[];
  count: number;
  /** Pass as cursor for the next page; null on the last page (a page may be short) */
  next_cursor?: string | null;
}

/** Alerts raised in one month (by creation time, UTC) and where each stands now. */
export interface AlertMonthOut {
  /** Still new: no case, not dismissed */
  awaiting_review: number;
  /** Its case was closed; by disposition in closed_by_disposition */
  case_closed: number;
  /** A case was opened (or the alert joined the officer's open case) */
  case_open: number;
  /** Alerts whose case closed, by the case's disposition (every disposition, zeros included) */
  closed_by_disposition: Record<string, number>;
  /** Alerts whose closed case was not found in the closed-case listing read */
  closed_disposition_unknown: number;
  dismissed: number;
  /** YYYY-MM */
  month: string;
  raised: number;
}

/** An alert with its explanation: why this officer, compared with which peers. */
export interface AlertOut {
  alert_id: string;
  as_of: string;
  case_id: string | null;
  created_at: string;
  /** Set when the alert was dismissed */
  dismissal?: DismissalOut | null;
  explanation: string;
  factors: FactorOut[];
  level: AlertLevel;
  /** Deprecated: the same value as scoring_config_id */
  model_id: string;
  officer_id: string;
  rules: RuleHitOut[];
  run_id: string;
  score: number;
  /** Hash of the scorer and every setting that shaped this alert (the scoring setup) */
  scoring_config_id: string;
  status: AlertStatus;
  /** The trained model's id, its card at models/<id>/card.json in the agency's artifacts bucket; null when the peer-and-rule scorer ran without a trained model */
  trained_model_id: string | null;
}

export type AlertStatus = "new" | "case_opened" | "merged" | "dismissed" | "case_closed";

export interface AlertSummaryOut {
  alert_id: string;
  as_of: string;
  case_id: string | null;
  created_at: string;
  level: AlertLevel;
  score: number;
  status: AlertStatus;
}

/** Hand a case to a supervisor (an officer id on the roster who supervises someone and is active). */
export interface AssignmentIn {
  /** Why the case changes hands (kept on the case, not audited) */
  reason: string;
  supervisor_id: string;
}

export type AssignmentKind = "assigned" | "transferred";

export type AuditOutcome = "success" | "denied" | "failed";

export interface AuditPage {
  /** Which record breaks the chain, and how */
  chain_problem: string | null;
  /** True when every record's hash links to the one before it */
  chain_valid: boolean;
  /** Pass as since_seq to read on; null at the end */
  next_since_seq: number | null;
  records: AuditRecordOut[];
}

export interface AuditRecordOut {
  action: string;
  actor: string;
  at: string;
  detail: Record<string, unknown>;
  hash: string;
  outcome: AuditOutcome;
  prev_hash: string;
  request_id: string | null;
  role: string;
  seq: number;
  target_id: string;
  target_type: string;
}

export interface BacktestListOut {
  /** Test years with a backtest report, newest first */
  test_years: number[];
}

/** The backtest job's report on one test year: the model against the agency's rule and two other baselines. */
export interface BacktestReportOut {
  as_of: string;
  baselines: Record<string, unknown>;
  calibration: (Record<string, unknown>)[];
  fairness: Record<string, (Record<string, unknown>)[]> | null;
  fairness_measurable: boolean;
  generated_at: string;
  /** The whole report as Markdown, charts as inline SVG */
  markdown: string;
  /** Every baseline the model does not beat, in words; empty: it beats all */
  not_beaten: string[];
  spec_source: string;
  table: Record<string, unknown>;
  test_year: number;
  trained_model_id: string;
}

export interface CardCohort {
  adverse_officer_years: number;
  officer_years: number;
  officers: number;
  population_rule?: Record<string, unknown>;
}

export interface CardMetrics {
  adverse: number;
  auc?: number | null;
  base_rate: number;
  fewer_fp_than_rule_at_its_tp?: number | null;
  flagged: number;
  lift_at_top?: number | null;
  officers: number;
  precision_at_top: number;
  recall_at_top?: number | null;
}

export interface CardSelection {
  by: string;
  candidates?: Record<string, number | null>;
  chosen: string;
  fewer_fp_than_rule_at_its_tp?: Record<string, number | null>;
}

export interface CardValidation {
  as_of: string;
  fairness?: FairnessRow[] | null;
  metrics?: CardMetrics | null;
  note?: string | null;
  trained_on?: string[] | null;
}

export interface CardWindow {
  as_of_dates: string[];
  cutoff: string;
  label_window_months: number;
  last_label_window_ends: string;
}

export interface CaseAssignmentOut {
  at: string;
  /** Subject of who assigned it; 'notify' for a roster transfer */
  by: string;
  by_role: string;
  kind: AssignmentKind;
  previous_supervisor_id: string | null;
  reason: string;
  supervisor_id: string;
}

export interface CaseList {
  cases: QueueApiCaseSummaryOut[];
  count: number;
  /** Pass as cursor for the next page; null on the last page (a page may be short, even empty) */
  next_cursor?: string | null;
}

export interface CaseOut {
  acknowledged_at?: string | null;
  /** Who acknowledged the last hand-off */
  acknowledged_by?: string | null;
  alert_ids: string[];
  /** Every hand-off, oldest first */
  assignments?: CaseAssignmentOut[];
  /** Officer id of the supervisor the case was handed to, until they acknowledge it */
  awaiting_acknowledgement_by?: string | null;
  case_id: string;
  /** The deferral hiding the case from the chain of command (risk managers, admins, auditors; shown on GET /cases/{case_id} and the assignment, acknowledgement and deferral answers) */
  deferral?: DeferralOut | null;
  /** True from the deferral's review date until a risk manager ends or renews it */
  deferral_expired?: boolean;
  /** Why the case was closed; null while it is open */
  disposition: Disposition | null;
  /** Every move of the case, oldest first */
  history: CaseTransitionOut[];
  /** Oldest first */
  interventions: InterventionOut[];
  /** In monitoring with every intervention ended: when monitoring ends and closing is due */
  monitoring_ends_on: string | null;
  /** The moves the caller may make next */
  next_transitions: NextTransitionOut[];
  notes: NoteOut[];
  officer_id: string;
  opened_at: string;
  opened_by: string;
  review_due_on: string;
  status: CaseStatus;
  supervisor_id: string | null;
}

export type CaseStatus = "open" | "in_review" | "intervention_planned" | "intervention_in_progress" | "monitoring" | "closed";

export interface CaseTransitionOut {
  at: string;
  /** Subject (user id) of who moved the case */
  by: string;
  by_role: string;
  disagreed_factors: string[];
  disagreed_rules: string[];
  disposition: Disposition | null;
  from_status: CaseStatus;
  reason: string | null;
  referred_to: string | null;
  to_status: CaseStatus;
}

/** A check-in on an intervention that has not ended; the next one falls due one check-in period later. */
export interface CheckInIn {
  /** How it is going (never in the audit log) */
  note: string;
}

export interface CheckInOut {
  at: string;
  /** Subject (user id) of who checked in */
  by: string;
  by_role: string;
  checkin_id: string;
  next_due_on: string;
  note: string;
}

export type CheckInStatus = "open" | "acknowledged";

/** What command staff see: overdue cases by unit and the alert months of the period. */
export interface CommandOverviewOut {
  /** Every month of the period, oldest first */
  alert_months: AlertMonthOut[];
  /** True when deferred cases and alerts were left out (callers who may not see deferrals) */
  deferred_hidden: boolean;
  /** Months counted, this one included */
  months: number;
  /** Index pages read to answer (each a bounded query) */
  pages_read: number;
  /** The first day of the first month counted (alerts created since) */
  period_from: string;
  today: string;
  /** True when a listing stopped at its bound: the figures are then lower bounds */
  truncated: boolean;
  /** Which listings stopped early */
  truncated_listings?: string[];
  /** Units with open cases, most overdue first */
  units: UnitOverdueOut[];
}

export interface CommendationOut {
  award_type: string;
  date: string;
}

/** The officer's newest score and where it placed them in that run. */
export interface CurrentScoreOut {
  as_of: string;
  /** Set when the run flagged the officer */
  level: AlertLevel | null;
  /** How many officers the run scored */
  officers_scored: number | null;
  peer_group: string;
  peer_group_size: number | null;
  /** The keys the peer group uses, e.g. rank+unit+shift */
  peer_level: string | null;
  /** Rank by score among the officers of the run (1 = highest) */
  rank: number | null;
  run_id: string;
  score: number;
}

export interface DeferralEndIn {
  /** Why the deferral ends */
  reason: string;
}

/** Defer notification of a case or an officer until a review date (risk managers and admins). */
export interface DeferralIn {
  /** Why, e.g. a criminal investigation (kept, not audited) */
  reason: string;
  /** When the risk team reviews it: after today, at most 366 days ahead */
  review_on: string;
}

export interface DeferralList {
  count: number;
  /** Active deferrals, expired ones first */
  deferrals: DeferralOut[];
}

export interface DeferralOut {
  deferred_at: string;
  deferred_by: string;
  ended_at: string | null;
  ended_by: string | null;
  /** True from the review date: waiting for a risk manager to end or renew it */
  expired: boolean;
  officer_id: string;
  reason: string;
  /** When the risk team was emailed that it is due for review */
  review_notified_on: string | null;
  review_on: string;
  target: DeferralTarget;
  /** The case id or the officer id */
  target_id: string;
}

export type DeferralTarget = "case" | "officer";

/** Close an alert without a case (risk managers and admins): why it needs no case. */
export interface DismissalIn {
  /** Why the alert needs no case */
  reason: string;
}

/** Who dismissed an alert, when, and why. */
export interface DismissalOut {
  at: string;
  /** Subject (user id) of the token that dismissed it */
  by: string;
  by_role: string;
  reason: string;
}

/** Why a case was closed. */
export type Disposition = "intervention_completed" | "no_action_needed" | "false_positive" | "referred_outside_eis" | "officer_separated";

/** Every error response: a stable code, a message saying what to do, and related ids when useful. */
export interface ErrorOut {
  /** On 409 for a move the workflow does not allow: where the case may go instead */
  allowed_transitions?: CaseStatus[] | null;
  /** The conflicting open case, on 409 */
  case_id?: string | null;
  error: string;
  /** On 422 from a case move: the field that is missing or wrong */
  field?: string | null;
  /** On 422 for an unknown intervention type: the agency's catalogue */
  intervention_types?: string[] | null;
  message: string;
}

/** An event as the snapshot shows it: no narrative, no civilian or subject detail. */
export interface EventOut {
  /** Force type, allegation, incident type, award, course, ... */
  category: string | null;
  date: string;
  /** Complaint finding, lawsuit status, training result, ... */
  finding: string | null;
  kind: RecordKind;
}

export interface FactorOut {
  indicator: string;
  label: string;
  officer_value: number;
  peer_group: string;
  peer_median: number;
  peer_percentile: number;
}

/** One group of one attribute: counts, rates and ratios to the largest group (``scoring.fairness``). */
export interface FairnessRow {
  adverse?: number | null;
  attribute: string;
  false_negatives?: number | null;
  false_positives?: number | null;
  fdr?: number | null;
  fdr_ratio?: number | null;
  flag_rate?: number | null;
  flag_rate_ratio?: number | null;
  flagged: number;
  fnr?: number | null;
  fnr_ratio?: number | null;
  fpr?: number | null;
  fpr_ratio?: number | null;
  group: string;
  officers: number;
  outside_range?: string[];
  reference: string;
  true_positives?: number | null;
}

/** What reviewers said about the alerts, as known before ``counted_before``. */
export interface FeedbackSummary {
  by_model?: ModelFeedback[];
  by_rule?: RuleFeedback[];
  closed_cases: number;
  counted_before: string;
  /** Indicators reviewers named as wrong when closing as false positive */
  disagreed_factors?: Record<string, number>;
  dismissed_alerts: number;
  note?: string;
}

export interface HTTPValidationError {
  detail?: ValidationError[];
}

/** One indicator of the newest run: the officer's value against the peer group's quartiles. */
export interface IndicatorStandingOut {
  higher_is_worse: boolean;
  indicator: string;
  label: string;
  peer_median: number | null;
  peer_p25: number | null;
  peer_p75: number | null;
  /** Mid-rank percentile among peers (ties count half) */
  percentile: number | null;
  /** Null when unknown (e.g. no activity records) */
  value: number | null;
}

/** Exactly the types a case may plan in this agency, in its order, and how closely each is followed up. */
export interface InterventionCatalogueOut {
  /** Days between check-ins on an intervention */
  checkin_days: number;
  /** Days of monitoring after the last intervention before closing */
  monitoring_days: number;
  types: InterventionTypeOut[];
}

/** End an intervention. The outcome is required; check-ins stop and its monitoring period begins. */
export interface InterventionCompletionIn {
  /** Default today; not in the future */
  completed_on?: string | null;
  outcome: InterventionOutcome;
  /** How it went (never audited) */
  outcome_notes?: string | null;
}

/** Plan an intervention on a case (while it is intervention_planned, intervention_in_progress or monitoring). */
export interface InterventionIn {
  /** When it should be done; default one check-in period on */
  due_on?: string | null;
  /** The plan (never in the audit log) */
  notes?: string | null;
  /** Officer id of who delivers it; default the case's supervisor */
  owner?: string | null;
  /** Default today */
  planned_on?: string | null;
  /** An id from the agency's intervention catalogue */
  type: string;
}

export interface InterventionOut {
  case_id: string;
  /** Oldest first */
  checkins: CheckInOut[];
  completed_on: string | null;
  created_at: string;
  created_by: string;
  due_on: string;
  intervention_id: string;
  /** When the next check-in is due; null once it has ended */
  next_checkin_due_on: string | null;
  notes: string | null;
  /** Set when it has ended */
  outcome: InterventionOutcome | null;
  outcome_notes: string | null;
  /** Officer id of who delivers it */
  owner: string | null;
  planned_on: string;
  started_on: string | null;
  type: string;
}

/** How an intervention ended. */
export type InterventionOutcome = "completed" | "partially_completed" | "declined" | "not_completed";

export interface InterventionStartIn {
  /** Default today; not in the future */
  started_on?: string | null;
}

export interface InterventionTypeOut {
  /** What it means in plain language; null for a type not described */
  description: string | null;
  /** The type in words, for a form's list */
  label: string;
  /** The id a plan names (InterventionIn.type), e.g. coaching_mentoring */
  type: string;
}

/** What the queue showed the user just now: the new alerts and the open cases (ids and statuses). */
export interface LastVisitIn {
  alert_ids?: string[];
  cases?: SeenCase[];
}

/** The caller's last recorded visit to their queue; visited_at is null before the first. */
export interface LastVisitOut {
  /** The new alerts their queue showed then */
  alert_ids: string[];
  /** The open cases their queue showed then, with their status */
  cases: SeenCase[];
  /** When the caller last recorded a visit; null: never */
  visited_at: string | null;
}

/** A trained model's card, whether daily scoring uses it, how it was promoted, and feedback on it. */
export interface ModelCardOut {
  admin_promotions: AdminPromotion[];
  adverse_event: string;
  artifact_sha256: string | null;
  base_rate: number;
  cohort: CardCohort;
  estimator: string;
  features: ModelFeatureOut[];
  /** Reviewers' conclusions on earlier alerts known when this model was trained */
  feedback: FeedbackSummary | null;
  feedback_as_of: string | null;
  /** Reviewers' conclusions on this model's own alerts, from the latest run report */
  feedback_on_alerts: ModelFeedback | null;
  model_id: string;
  model_selection: CardSelection;
  parameters: Record<string, unknown>;
  /** The retraining job's gate decision */
  promotion: PromotionDecision | null;
  protected_attributes: string;
  seed: number;
  sklearn_version: string;
  spec: Record<string, unknown>;
  status: ModelStatus;
  temporal_validation: CardValidation;
  trained_at: string;
  training_window: CardWindow;
}

/** One model input (``feature`` is the indicator's name; the API never has a field called name). */
export interface ModelFeatureOut {
  feature: string;
  label: string;
  /** +1: more of it never lowers the risk; -1: never raises it; 0: either way */
  monotone: number;
}

export interface ModelFeedback {
  /** Alerts concluded on: their case is closed, or the alert was dismissed */
  alerts: number;
  /** Alerts in closed cases, by disposition */
  closed?: Record<string, number>;
  /** Alerts a risk manager dismissed without a case */
  dismissed?: number;
  /** Alerts in cases closed as false positive */
  false_positive?: number;
  summary: string;
  /** The model version that raised the alerts; None: no trained model */
  trained_model_id: string | null;
}

export type ModelStatus = "current" | "candidate";

/** A move the caller may make next, and what it needs. */
export interface NextTransitionOut {
  description: string;
  /** The dispositions this closure accepts; empty otherwise */
  dispositions: Disposition[];
  /** Fields the move cannot do without */
  requires: string[];
  to: CaseStatus;
}

/** A supervisor's note on a case. Describe the review and the support offered, not third parties. */
export interface NoteIn {
  text: string;
}

export interface NoteOut {
  /** Subject (user id) of the author */
  author: string;
  author_role: string;
  case_id: string;
  created_at: string;
  note_id: string;
  text: string;
}

export interface OfficerPage {
  /** Pass as cursor for the next page; null at the end */
  next_cursor: string | null;
  /** By last name, first name, officer id */
  officers: OfficerSummaryOut[];
}

/** One officer on one page: who, how they compare with peers, what happened, what was done. */
export interface OfficerSnapshot {
  /** Newest first */
  alerts: AlertSummaryOut[];
  /** The agency's officer (badge or employee) number */
  badge: string;
  /** Newest first */
  cases: SnapshotCaseSummaryOut[];
  /** Last 5 years, newest first */
  commendations: CommendationOut[];
  /** Null when no scoring run scored the officer */
  current_score: CurrentScoreOut | null;
  district: string | null;
  generated_on: string;
  /** Null when the agency's roster has no hire date */
  hire_date: string | null;
  /** From the newest run's scores and peer statistics */
  indicators: IndicatorStandingOut[];
  name: string;
  officer_id: string;
  rank: string;
  /** The latest 50 events of the last 5 years, newest first */
  recent_events: EventOut[];
  /** One point per scoring run, last 24 months, oldest first */
  score_history: ScorePointOut[];
  shift: string | null;
  status: OfficerStatus;
  supervisor: PersonOut | null;
  /** Years from hire date to today (or to separation); null when the hire date is unknown */
  tenure_years: number | null;
  /** Every month of the last 5 years, oldest first */
  timeline: TimelineMonthOut[];
  /** Last 5 years, newest first */
  training: TrainingOut[];
  unit: string;
}

export type OfficerStatus = "active" | "leave" | "separated";

export interface OfficerSummaryOut {
  badge: string;
  name: string;
  officer_id: string;
  rank: string;
  shift: string | null;
  status: OfficerStatus;
  unit: string;
}

export interface PersonOut {
  name: string;
  officer_id: string;
}

/** The retraining job's backtest, as the promotion gate read it (the report's figures at the rule's flag count). */
export interface PromotionBacktestCheck {
  /** 95% bootstrap interval of the model's precision minus the rule's */
  difference_ci?: number[] | null;
  model_precision?: number | null;
  /** Whether the check allows promotion (always true when it could not run) */
  passed: boolean;
  /** Why the backtest could not run or compare */
  problem?: string | null;
  /** The backtest report in the artifacts bucket */
  report_key?: string | null;
  /** The agency's promotion_backtest setting the check was held to */
  requirement: string;
  /** How many officers the spec's threshold rule flagged */
  rule_flags?: number | null;
  rule_precision?: number | null;
  /** The latest full year; None when it could not run */
  test_year?: number | null;
  /** The model the backtest trained before the test year with the candidate's spec */
  trained_model_id?: string | null;
  /** 'beats', 'does not beat' or 'is beaten by' the rule at its flag count */
  verdict?: string | null;
}

/** Whether a retrained model became the current one, and why (the retraining job's gate or an admin). */
export interface PromotionDecision {
  /** The retraining job's backtest on the latest full year; None before it existed */
  backtest?: PromotionBacktestCheck | null;
  candidate_model_id: string;
  candidate_precision?: number | null;
  /** The model current before the decision */
  current_model_id: string | null;
  current_precision?: number | null;
  margin: number;
  metric?: string;
  promoted: boolean;
  reason: string;
  validation_as_of?: string | null;
}

/** Why an admin makes this model the current one (kept with the promotion record, not in the audit log). */
export interface PromotionIn {
  reason: string;
}

export interface QueueEntryOut {
  case_id: string;
  detail: string;
  due_on: string | null;
  officer_id: string;
}

/** What the caller should act on, in the caller's scope. */
export interface QueueOut {
  /** New alerts without a case, oldest first (next page: alerts_cursor) */
  alerts: AlertList;
  /** Open cases by review date, overdue first (next page: cases_cursor) */
  cases: CaseList;
  /** Intervention check-ins due, soonest first */
  checkins_due: QueueEntryOut[];
  /** Transferred cases the caller must acknowledge */
  handoffs_to_acknowledge: QueueEntryOut[];
  /** Overdue cases on this page */
  overdue_cases: number;
  today: string;
}

export interface Recognition {
  commendations_365d: number;
  officer_id: string;
  peer_group: string;
  peer_median_commendations_365d: number;
  peer_median_complaints_365d: number;
  peer_median_force_365d: number;
  reason: string;
}

/** The extract kinds EIS ingests. The value is the upload folder and the CSV file stem. */
export type RecordKind = "roster" | "use_of_force" | "complaint" | "vehicle_incident" | "injury" | "discipline" | "activity" | "leave" | "training" | "commendation" | "lawsuit";

/** Why a whole file was rejected. Nothing from a rejected file is applied. */
export type RejectionCode = "unknown_kind" | "object_missing" | "unsupported_format" | "empty_file" | "undecodable" | "malformed_csv" | "duplicate_columns" | "missing_columns" | "invalid_mapping" | "quarantine_rate" | "volume_drop" | "empty_snapshot" | "snapshot_needs_confirmation" | "expansion_ratio" | "too_large" | "line_too_long" | "blank_lines" | "time_budget" | "column_count";

export interface ResponseValidationError {
  detail?: ValidationError[];
}

export interface RuleFeedback {
  /** Alerts concluded on: their case is closed, or the alert was dismissed */
  alerts: number;
  /** Alerts in closed cases, by disposition */
  closed?: Record<string, number>;
  /** Alerts in cases closed as false positive whose reviewer named this rule as wrong */
  disagreed?: number;
  /** Alerts a risk manager dismissed without a case */
  dismissed?: number;
  /** Alerts in cases closed as false positive */
  false_positive?: number;
  rule_id: string;
  /** One sentence, e.g. 'of 40 alerts from rule X, 22 closed as false positive' */
  summary: string;
}

export interface RuleHitOut {
  description: string;
  level: AlertLevel;
  rule_id: string;
  threshold: number;
  value: number;
}

export interface RunCounts {
  alerts_created?: number;
  alerts_existing?: number;
  alerts_merged?: number;
  alerts_published?: number;
  flagged: number;
  flagged_by_level?: Record<string, number>;
  officers_scored: number;
}

export interface RunFairness {
  disparities?: string[];
  groups?: FairnessRow[];
  model_validation?: FairnessRow[] | null;
  note?: string;
}

export interface RunListOut {
  /** Pass as ?before= for the next page; null on the last page */
  next_before: string | null;
  /** Scoring run dates with a report, newest first */
  runs: string[];
}

/** One scoring run: counts, the fairness table and its disparities, recognition, reviewers' feedback. */
export interface RunReportOut {
  as_of: string;
  counts: RunCounts;
  /** Flag rates by group, disparities in words, the model's table */
  fairness: RunFairness | null;
  /** Dispositions per rule and per model version known before the run; null in older reports */
  feedback: FeedbackSummary | null;
  generated_at: string;
  merged_alert_ids: string[];
  parameters: Record<string, unknown>;
  peer_group_levels: Record<string, number>;
  published_alert_ids: string[];
  /** Officers with an exceptional record against their peers */
  recognition: Recognition[];
  rules_fired: Record<string, Record<string, number>>;
  run_id: string;
  scorer: string;
  scorer_note: string | null;
  scoring_config_id: string | null;
  trained_model_id: string | null;
}

export interface ScorePointOut {
  as_of: string;
  level: AlertLevel | null;
  officers_scored: number | null;
  rank: number | null;
  score: number;
}

export interface SeenCase {
  case_id: string;
  status: CaseStatus;
}

export interface TimelineMonthOut {
  /** Events that happened in the month, by kind (zeros left out) */
  counts: Record<string, number>;
  /** YYYY-MM */
  month: string;
}

export interface TrainingOut {
  course: string;
  date: string;
  hours: number;
  passed: boolean;
}

/** Move a case along the workflow. Which fields a move needs is in the case's next_transitions. */
export interface TransitionIn {
  /** Factor indicators of the alerts the reviewer disagrees with */
  disagreed_factors?: string[];
  /** Rule ids of the alerts the reviewer disagrees with */
  disagreed_rules?: string[];
  /** Why the case closes; closures only */
  disposition?: Disposition | null;
  /** Why; every move but starting a review */
  reason?: string | null;
  /** Where the case went, e.g. internal affairs (referred_outside_eis) */
  referred_to?: string | null;
  to: CaseStatus;
}

export type TrendsFormat = "html" | "csv" | "json";

/** One unit's open cases, and how many of them are past their review date (and by how much). */
export interface UnitOverdueOut {
  /** None when nothing is overdue */
  most_days_overdue?: number | null;
  /** Cases not closed */
  open_cases: number;
  /** Open cases whose review date has passed */
  overdue: number;
  overdue_1_to_7_days: number;
  overdue_8_to_30_days: number;
  overdue_over_30_days: number;
  /** The officer's unit on the current roster ('Not on the roster' when unknown) */
  unit: string;
}

export interface UploadList {
  count: number;
  /** Newest first */
  uploads: UploadOut[];
}

/** A delta adds and corrects records; a snapshot is the whole of a kind and retracts what it lacks. */
export type UploadMode = "delta" | "snapshot";

/** What ingest made of one uploaded file: counts by outcome, warnings, and why it was rejected. */
export interface UploadOut {
  /** Columns not on the record model; their values were never read */
  dropped_columns: string[];
  duration_ms: number;
  file_format: string | null;
  finished_at: string;
  /** True when GET /uploads/{upload_id}/quarantine has rows to show */
  has_quarantine: boolean;
  inserted: number;
  /** Object key in the uploads bucket */
  key: string;
  kind: RecordKind | null;
  mapping_version: number;
  mode: UploadMode;
  rejected: boolean;
  rejection_code: RejectionCode | null;
  rejection_reason: string | null;
  replaced: number;
  retracted: number;
  rows_accepted: number;
  rows_quarantined: number;
  rows_read: number;
  started_at: string;
  unchanged: number;
  upload_id: string;
  version_id: string | null;
  warnings: string[];
}

export interface ValidationError {
  loc: (string | number)[];
  type: string;
}

export interface WellnessCheckInList {
  checkins: WellnessCheckInOut[];
  count: number;
}

export interface WellnessCheckInOut {
  acknowledged_at?: string | null;
  as_of: string;
  checkin_id: string;
  created_at: string;
  /** Always wellness_checkin: not a risk alert */
  kind?: string;
  message: string;
  officer_id: string;
  signals: WellnessSignalOut[];
  status: CheckInStatus;
}

export interface WellnessSignalOut {
  indicator: string;
  sentence: string;
  threshold: number;
  value: number;
}

/** A case in a list: no notes or history (``GET /cases/{case_id}`` has them). */
export interface QueueApiCaseSummaryOut {
  alert_ids: string[];
  case_id: string;
  officer_id: string;
  opened_at: string;
  /** The review date has passed and the case is open */
  overdue: boolean;
  review_due_on: string;
  status: CaseStatus;
  supervisor_id: string | null;
}

export interface SnapshotCaseSummaryOut {
  alert_ids: string[];
  case_id: string;
  /** When the case was last closed; null while open */
  closed_at: string | null;
  disposition: Disposition | null;
  opened_at: string;
  status: CaseStatus;
  supervisor_id: string | null;
}
