"""AWS Backup of the agency's tables into its own vault, on its own key: copies outside DynamoDB's PITR window."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct


class AgencyBackup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        key: kms.IKey,
        tables: Sequence[dynamodb.ITable],
        retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=f"{prefix}-backups",
            encryption_key=key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=f"{prefix}-daily",
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="Daily",
                    backup_vault=self.vault,
                    schedule_expression=events.Schedule.cron(minute="0", hour="5"),
                    delete_after=Duration.days(retention_days),
                )
            ],
        )
        self.plan.add_selection(
            "Tables",
            backup_selection_name=f"{prefix}-tables",
            resources=[backup.BackupResource.from_dynamo_db_table(table) for table in tables],
        )
