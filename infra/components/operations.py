"""Operational alarms: errors, throttles and dead letters reach the people who run the agency's EIS."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

PERIOD = Duration.minutes(5)


class OperationsAlarms(Construct):
    """An encrypted alarm topic (emailed to the operations addresses) and the alarms that publish to it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic_name: str,
        key: kms.IKey,
        emails: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Topic", topic_name=topic_name, display_name="EIS operations alarms", master_key=key, enforce_ssl=True
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        # CloudWatch publishes to the encrypted topic only if the key lets it make a data key (AWS's documented
        # statement; the topic policy, not this, limits who may publish).
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublishToEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
            )
        )
        self._action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

    def _alarm(self, construct_id: str, *, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No data means nothing ran or nothing failed, not an emergency.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)

    def watch_function(self, name: str, function: lambda_.IFunction) -> None:
        self._alarm(
            f"{name}-Errors",
            metric=function.metric_errors(period=PERIOD, statistic="Sum"),
            description=f"{function.function_name} failed; its logs and traces say why",
        )
        self._alarm(
            f"{name}-Throttles",
            metric=function.metric_throttles(period=PERIOD, statistic="Sum"),
            description=f"{function.function_name} hit its reserved concurrency; work is delayed or refused",
        )

    def watch_dead_letters(self, name: str, queue: sqs.IQueue) -> None:
        self._alarm(
            f"{name}-DeadLetters",
            metric=queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            description=f"Messages in {queue.queue_name} were given up on; inspect and redrive them",
        )

    def watch_api(self, api: apigw.RestApi) -> None:
        self._alarm(
            "Api-5XX",
            metric=api.metric_server_error(period=PERIOD, statistic="Sum"),
            description="The case API answered with server errors",
        )
