"""One agency's EIS: composes the constructs and wires who may touch what."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, Environment, Stack, Tags
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.storage.schema import Bucket, Table
from infra.components.access import Access
from infra.components.api import CasesApi
from infra.components.email import SenderIdentity
from infra.components.encryption import AgencyKey
from infra.components.functions import AgencyLayers, EisFunction
from infra.components.identity import AgencyUserPool
from infra.components.messaging import AlertMessaging
from infra.components.storage import AgencyBuckets, AgencyTables
from infra.config import AgencyConfig
from infra.layer import FUNCTION_LAYERS, FUNCTIONS_DIR

NOTIFY_TIMEOUT = Duration.seconds(60)


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

        self.key = AgencyKey(self, "Encryption", prefix=resources.prefix).key
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
        )
        self.messaging = AlertMessaging(
            self, "Messaging", resources=resources, key=self.key, consumer_timeout=NOTIFY_TIMEOUT
        )
        self.sender = SenderIdentity(self, "Email", sender_email=config.sender_email)
        self.users = AgencyUserPool(self, "Identity", resources=resources)
        self.layers = AgencyLayers(self, "Layers", prefix=resources.prefix, layer_dirs=layer_dirs)

        environment = resources.environment() | {
            "EIS_ALERTS_TOPIC_ARN": self.messaging.topic.topic_arn,
            "EIS_SENDER_EMAIL": config.sender_email,
            "EIS_RISK_TEAM_EMAILS": ",".join(config.risk_team_emails),
            "EIS_PORTAL_URL": config.origin,
            "EIS_REVIEW_DAYS": str(config.review_days),
            "EIS_ALERT_TOP_SHARE": str(config.alert_top_share),
            "POWERTOOLS_METRICS_NAMESPACE": "EIS",
        }

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
                environment=environment | {"POWERTOOLS_SERVICE_NAME": function_name},
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
            memory_size=2048,
            timeout=Duration.minutes(5),
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
        self.notify = function(
            "notify",
            description="Routes alerts to supervisors by email",
            memory_size=512,
            timeout=NOTIFY_TIMEOUT,
            reserved_concurrency=5,
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

    def _grant(self) -> None:
        """Each function gets what its service touches (see eis_core.wiring), nothing more.

        Nothing writes to the audit bucket yet: the exporter that will gets ``write_objects`` on it.
        """
        t, b = self.tables, self.buckets.buckets
        table = t.tables

        ingest = Access(self.ingest.role, self.key)
        ingest.read_objects(b[Bucket.UPLOADS], UPLOAD_PREFIX)
        ingest.write_objects(b[Bucket.QUARANTINE])
        ingest.read_write_items(table[Table.RECORDS])  # batch-get content hashes, then batch-write changes
        ingest.read_write_items(table[Table.IDEMPOTENCY], delete=True)
        ingest.append_audit(table[Table.AUDIT])

        score = Access(self.score.role, self.key)
        score.read_items(table[Table.RECORDS])
        score.read_write_items(table[Table.SCORES])
        score.read_write_items(table[Table.ALERTS], t.index_arns(Table.ALERTS))
        # Merging alerts into cases may close a case, which deletes the officer's open-case lock item.
        score.read_write_items(table[Table.CASES], t.index_arns(Table.CASES), delete=True)
        score.read_objects(b[Bucket.ARTIFACTS]).write_objects(b[Bucket.ARTIFACTS])
        score.publish(self.messaging.topic)
        score.append_audit(table[Table.AUDIT])

        notify = Access(self.notify.role, self.key)
        notify.consume(self.messaging.queue)
        notify.read_items(table[Table.ALERTS], t.index_arns(Table.ALERTS))
        notify.read_items(table[Table.RECORDS])
        notify.read_items(table[Table.CASES], t.index_arns(Table.CASES))
        notify.read_write_items(table[Table.IDEMPOTENCY], delete=True)
        notify.send_email(self.sender.identity_arn)
        notify.append_audit(table[Table.AUDIT])

        api = Access(self.cases_api.role, self.key)
        api.read_write_items(table[Table.ALERTS], t.index_arns(Table.ALERTS))
        api.read_write_items(table[Table.CASES], t.index_arns(Table.CASES), delete=True)
        api.read_items(table[Table.RECORDS])
        api.read_items(table[Table.SCORES])  # officer snapshot: latest scores and explanations
        api.append_audit(table[Table.AUDIT])

    def _wire_triggers(self, config: AgencyConfig) -> None:
        self.buckets.buckets[Bucket.UPLOADS].add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(self.ingest.function),
            s3.NotificationKeyFilter(prefix=UPLOAD_PREFIX),
        )
        events.Rule(
            self,
            "ScoreSchedule",
            description=f"Scores {config.agency_id}'s officers (UTC)",
            schedule=events.Schedule.expression(f"cron({config.score_schedule})"),
            targets=[targets.LambdaFunction(self.score.function, retry_attempts=2)],
        )
        self.notify.function.add_event_source(
            sources.SqsEventSource(
                self.messaging.queue,
                batch_size=10,
                max_batching_window=Duration.seconds(5),
                report_batch_item_failures=True,
            )
        )
