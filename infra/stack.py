"""One agency's EIS: composes the constructs and wires who may touch what."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import CfnResource, Duration, Environment, Stack, Tags
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.models.peers import PEER_STATS_PREFIX
from eis_core.models.trends import TRENDS_PREFIX
from eis_core.oversight.keys import CURRENT_KEY, MODELS_PREFIX, PROMOTIONS_PREFIX, RUNS_PREFIX
from eis_core.storage.schema import Bucket, Table, audit_sequence_partition
from infra.components.access import Access
from infra.components.api import CasesApi
from infra.components.backup import AgencyBackup
from infra.components.email import SenderIdentity
from infra.components.encryption import AgencyKey, AuditKey
from infra.components.functions import AgencyLayers, EisFunction
from infra.components.identity import AgencyUserPool
from infra.components.messaging import AlertMessaging
from infra.components.operations import OperationsAlarms
from infra.components.portal import PortalSite
from infra.components.portal_domain import PortalDomain
from infra.components.portal_publish import PORTAL_DIST, PortalPublish
from infra.components.storage import AgencyBuckets, AgencyTables
from infra.config import AgencyConfig
from infra.layer import FUNCTION_LAYERS, FUNCTIONS_DIR

NOTIFY_TIMEOUT = Duration.seconds(60)
# The id of CDK's singleton Lambda that configures S3 bucket notifications.
NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"


@dataclass(frozen=True)
class ScheduledJob:
    """A cron rule and the EventBridge input it sends; ``detail`` is None for the plain scoring run."""

    job: str
    function: str
    cron: str
    description: str
    detail: dict[str, Any] | None

    @property
    def construct_id(self) -> str:
        return "Schedule-" + self.job


def scheduled_jobs(config: AgencyConfig) -> list[ScheduledJob]:
    """Every schedule an agency stack creates, with exactly the payload each handler receives.

    The scoring run keeps EventBridge's own scheduled event (detail ``{}``: score as of the event's
    date). The others replace the event with ``{"detail": {"job": ...}}`` so one handler can tell them apart.
    """
    return [
        ScheduledJob("score", "score", config.score_schedule, "Scores every active officer", None),
        ScheduledJob(
            "retrain", "score", config.retrain_schedule, "Retrains and backtests the agency's model", _job("retrain")
        ),
        ScheduledJob("curate", "score", config.curate_schedule, "Rebuilds the scoring frames snapshot", _job("curate")),
        ScheduledJob(
            "audit-export", "score", config.audit_export_schedule, "Exports the audit trail", _job("audit-export")
        ),
        ScheduledJob(
            "deadline-sweep",
            "notify",
            config.deadline_sweep_schedule,
            "Sends review reminders and escalations",
            _job("deadline-sweep"),
        ),
    ]


def _job(name: str) -> dict[str, Any]:
    # The same envelope fields as a scheduled event, so Powertools' EventBridge model parses it.
    return {
        "version": "0",
        "id": events.EventField.event_id,
        "detail-type": "EIS scheduled job",
        "source": "eis.schedule",
        "account": events.EventField.account,
        "time": events.EventField.time,
        "region": events.EventField.region,
        "resources": [],
        "detail": {"job": name},
    }


def stack_name(agency_id: str) -> str:
    return f"Eis-{agency_id}"


class EisAgencyStack(Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: AgencyConfig,
        layer_dirs: Mapping[str, Path],
        functions_dir: Path = FUNCTIONS_DIR,
        portal_dist: Path = PORTAL_DIST,
    ) -> None:
        super().__init__(
            scope,
            stack_name(config.agency_id),
            env=Environment(account=config.account, region=config.region),
            description=f"EIS (Early Intervention System) for {config.name}",
            termination_protection=True,
        )
        Tags.of(self).add("eis:agency", config.agency_id)
        Tags.of(self).add("eis:system", "early-intervention")
        resources = config.resources
        self.agency_id = config.agency_id

        self.key = AgencyKey(self, "Encryption", prefix=resources.prefix).key
        self.audit_key = AuditKey(self, "AuditSigning", alias=resources.audit_key_alias, prefix=resources.prefix).key
        self.tables = AgencyTables(self, "Tables", resources=resources, key=self.key)
        self.buckets = AgencyBuckets(
            self,
            "Buckets",
            resources=resources,
            key=self.key,
            access_logs_bucket_name=config.access_logs_bucket,
            log_retention_days=config.log_retention_days,
            audit_retention_days=config.audit_retention_days,
            audit_lock_mode=config.audit_lock_mode,
            expire_after_days={
                Bucket.UPLOADS: config.upload_retention_days,
                Bucket.QUARANTINE: config.quarantine_retention_days,
            },
        )
        self.backup = AgencyBackup(
            self,
            "Backup",
            prefix=resources.prefix,
            key=self.key,
            tables=list(self.tables.tables.values()),
            retention_days=config.backup_retention_days,
        )
        self.messaging = AlertMessaging(
            self, "Messaging", resources=resources, key=self.key, consumer_timeout=NOTIFY_TIMEOUT
        )
        self.sender = SenderIdentity(self, "Email", sender_email=config.sender_email)
        self.users = AgencyUserPool(self, "Identity", resources=resources, portal_url=config.portal_url)
        self.layers = AgencyLayers(self, "Layers", prefix=resources.prefix, layer_dirs=layer_dirs)
        # Before the functions: the score function tells this topic of a retrained model kept as a candidate.
        self.operations = OperationsAlarms(
            self,
            "Operations",
            topic_name=resources.operations_topic,
            key=self.key,
            emails=config.operations_emails,
        )

        def environment(name: str, function_name: str) -> dict[str, str]:
            # Built from the function's settings model (eis_core.settings): a variable it requires
            # that the stack does not supply stops the synth here.
            settings = config.function_environment(
                name,
                alerts_topic_arn=self.messaging.topic.topic_arn,
                audit_key_id=self.audit_key.key_arn,
                operations_topic_arn=self.operations.topic.topic_arn,
            )
            return settings | {"POWERTOOLS_METRICS_NAMESPACE": "EIS", "POWERTOOLS_SERVICE_NAME": function_name}

        def function(
            name: str,
            *,
            description: str,
            memory_size: int,
            timeout: Duration,
            reserved_concurrency: int,
            invoked_async: bool = False,
        ) -> EisFunction:
            function_name = resources.function(name.replace("_", "-"))
            return EisFunction(
                self,
                f"Function-{name}",
                function_name=function_name,
                code_dir=functions_dir / name,
                key=self.key,
                layers=self.layers.select(FUNCTION_LAYERS[name]),
                environment=environment(name, function_name),
                memory_size=memory_size,
                timeout=timeout,
                reserved_concurrency=reserved_concurrency,
                log_retention_days=config.log_retention_days,
                description=description,
                invoked_async=invoked_async,
            )

        self.ingest = function(
            "ingest",
            description="Validates and normalises an uploaded extract",
            # 2 GB holds a 1M-row file's working set (~200 MB measured) with room; 15 min covers its writes.
            memory_size=2048,
            timeout=Duration.minutes(15),
            reserved_concurrency=5,
            invoked_async=True,
        )
        # One scoring run at a time per agency: runs are whole-agency and must not interleave.
        self.score = function(
            "score",
            description="Scores every active officer and raises alerts",
            memory_size=4096,
            timeout=Duration.minutes(15),
            reserved_concurrency=1,
            invoked_async=True,
        )
        # Queue-fed for alerts (the queue has its own DLQ); invoked asynchronously by the deadline sweep.
        self.notify = function(
            "notify",
            description="Routes alerts to supervisors by email; sends review reminders and escalations",
            memory_size=512,
            timeout=NOTIFY_TIMEOUT,
            reserved_concurrency=5,
            invoked_async=True,
        )
        self.cases_api = function(
            "cases_api",
            description="Case API behind API Gateway",
            memory_size=1024,
            timeout=Duration.seconds(29),
            reserved_concurrency=20,
        )
        self._grant()
        self._wire_triggers(config)

        self.api = CasesApi(
            self,
            "Api",
            api_name=f"{resources.prefix}-cases",
            handler=self.cases_api.function,
            user_pool=self.users.user_pool,
            key=self.key,
            allowed_origin=config.origin,
            rate_limit=config.api_throttle.rate_limit,
            burst_limit=config.api_throttle.burst_limit,
            log_retention_days=config.log_retention_days,
        )
        self.portal = PortalSite(
            self,
            "Portal",
            api=self.api.api,
            bucket_name=config.portal_bucket,
            key=self.key,
            access_logs=self.buckets.access_logs,
            client_id=self.users.portal_client.user_pool_client_id,
            auth_base_url=self.users.auth_base_url,
        )
        # `cdk deploy` uploads the built portal into that bucket (stale files pruned).
        self.portal_publish = PortalPublish(
            self,
            "PortalPublish",
            bucket=self.portal.bucket,
            key=self.key,
            log_group_name=f"/aws/lambda/{resources.function('portal-publish')}",
            log_retention_days=config.log_retention_days,
            dist=portal_dist,
        )
        # Optional: portal_origin's host as the API's custom domain (needs its ACM certificate's ARN).
        self.portal_domain = (
            PortalDomain(
                self,
                "PortalDomain",
                api=self.api.api,
                host=config.portal_host,
                certificate_arn=config.portal_certificate_arn,
            )
            if config.portal_certificate_arn
            else None
        )
        self._watch()

    def _watch(self) -> None:
        ops = self.operations
        for name, function in self.functions.items():
            ops.watch_function(name, function.function)
            if function.dead_letters is not None:
                ops.watch_dead_letters(name, function.dead_letters)
        ops.watch_dead_letters("notify-queue", self.messaging.dead_letters)
        ops.watch_api(self.api.api)

    @property
    def functions(self) -> dict[str, EisFunction]:
        return {"ingest": self.ingest, "score": self.score, "notify": self.notify, "cases_api": self.cases_api}

    def _grant(self) -> None:
        """Each function gets what its service touches (its factory in eis_core.<area>.wiring), nothing more.

        The score function also exports the audit trail (``{"job": "audit-export"}``): it reads the audit
        table and writes objects to the Object-Lock audit bucket; no function can delete or overwrite there
        (compliance mode refuses it regardless).
        """
        t, b = self.tables, self.buckets.buckets
        table = t.tables
        sequence = audit_sequence_partition(self.agency_id)  # audit chains are named by the agency id

        ingest = Access(self.ingest.policy, self.key)
        ingest.read_objects(b[Bucket.UPLOADS], UPLOAD_PREFIX)
        ingest.write_objects(b[Bucket.QUARANTINE])
        # Reads that may find nothing must see 404, not 403: the agency's mapping and the volume ledger.
        ingest.read_objects(b[Bucket.ARTIFACTS], "config/")
        ingest.read_objects(b[Bucket.QUARANTINE], "ledger/")
        ingest.read_write_items(table[Table.RECORDS])  # batch-get content hashes, then batch-write changes
        ingest.read_write_items(table[Table.IDEMPOTENCY], delete=True)
        ingest.append_audit(table[Table.AUDIT], self.audit_key, sequence)

        score = Access(self.score.policy, self.key)
        score.read_items(table[Table.RECORDS])
        score.read_write_items(table[Table.SCORES])
        score.read_write_items(table[Table.ALERTS], t.index_arns(Table.ALERTS))
        # Merging alerts into cases may close a case, which deletes the officer's open-case lock item.
        score.read_write_items(table[Table.CASES], t.index_arns(Table.CASES), delete=True)
        score.read_objects(b[Bucket.ARTIFACTS]).write_objects(b[Bucket.ARTIFACTS])
        score.publish(self.messaging.topic)
        score.publish(self.operations.topic)  # a retrained model kept as a candidate
        score.append_audit(table[Table.AUDIT], self.audit_key, sequence)
        score.write_objects(b[Bucket.AUDIT])
        score.verify_audit(self.audit_key)  # the export checks the chain before it writes a checkpoint

        notify = Access(self.notify.policy, self.key)
        notify.consume(self.messaging.queue)
        notify.read_items(table[Table.ALERTS], t.index_arns(Table.ALERTS))
        notify.read_items(table[Table.RECORDS], t.index_arns(Table.RECORDS))  # the roster index
        notify.read_items(table[Table.CASES], t.index_arns(Table.CASES))
        notify.read_write_items(table[Table.IDEMPOTENCY], delete=True)
        notify.send_email(self.sender.identity_arn)
        notify.append_audit(table[Table.AUDIT], self.audit_key, sequence)

        api = Access(self.cases_api.policy, self.key)
        api.read_write_items(table[Table.ALERTS], t.index_arns(Table.ALERTS))
        api.read_write_items(table[Table.CASES], t.index_arns(Table.CASES), delete=True)
        api.read_items(table[Table.RECORDS], t.index_arns(Table.RECORDS))  # the roster index
        api.read_items(table[Table.SCORES], t.index_arns(Table.SCORES))  # officer snapshot: score history
        api.read_objects(b[Bucket.ARTIFACTS], PEER_STATS_PREFIX)  # officer snapshot: peer quantiles per run
        api.read_objects(b[Bucket.ARTIFACTS], TRENDS_PREFIX)  # GET /reports/trends: what the score job wrote
        api.read_write_items(table[Table.IDEMPOTENCY], delete=True)  # Idempotency-Key on POSTs
        # Upload reports and quarantine files for risk managers and auditors (GET /uploads...).
        api.read_objects(b[Bucket.QUARANTINE], "reports/").read_objects(b[Bucket.QUARANTINE], "quarantine/")
        api.append_audit(table[Table.AUDIT], self.audit_key, sequence)
        api.verify_audit(self.audit_key)  # GET /audit checks MACs and checkpoints
        # Run reports and model cards (GET /reports/runs..., GET /models/...); an admin's promotion writes
        # its record and the current-model pointer, nothing else (never a model or its card).
        artifacts = b[Bucket.ARTIFACTS]
        for prefix in (RUNS_PREFIX, MODELS_PREFIX, PROMOTIONS_PREFIX):
            api.read_objects(artifacts, prefix)
        api.write_objects(artifacts, PROMOTIONS_PREFIX).write_objects(artifacts, CURRENT_KEY)

    def _wire_triggers(self, config: AgencyConfig) -> None:
        self.buckets.buckets[Bucket.UPLOADS].add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(self.ingest.function),
            s3.NotificationKeyFilter(prefix=UPLOAD_PREFIX),
        )
        # CDK's notification handler lists its role in DependsOn although its GetAtt already orders it (W3005).
        handler = self.node.try_find_child(NOTIFICATIONS_HANDLER)
        if handler is not None and isinstance(resource := handler.node.try_find_child("Resource"), CfnResource):
            resource.add_deletion_override("DependsOn")
        # Scheduled jobs; the "job" detail tells the receiving handler which one (see scheduled_jobs).
        for job in scheduled_jobs(config):
            function = self.functions[job.function]
            events.Rule(
                self,
                job.construct_id,
                rule_name=f"{config.resources.prefix}-{job.job}",
                description=f"{job.description} for {config.agency_id} (UTC)",
                schedule=events.Schedule.expression(f"cron({job.cron})"),
                targets=[
                    targets.LambdaFunction(
                        function.function,
                        event=events.RuleTargetInput.from_object(job.detail) if job.detail else None,
                        retry_attempts=2,
                        max_event_age=Duration.hours(6),
                    )
                ],
            )
        self.notify.function.add_event_source(
            sources.SqsEventSource(
                self.messaging.queue,
                batch_size=10,
                max_batching_window=Duration.seconds(5),
                report_batch_item_failures=True,
            )
        )
