"""Drives RestMQ's SQS adapter with Debian's boto3: argv[1] is the endpoint, argv[2] a queue name.

Prints one JSON object of what each step answered, for test/sqs/python-clients.test.ts to check.
"""
import json
import sys

import boto3
import botocore
from botocore.exceptions import ClientError

endpoint, name = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
out = {"protocol": sqs.meta.service_model.protocol, "botocore": botocore.__version__}

url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
out["url"] = url
out["get_url"] = sqs.get_queue_url(QueueName=name)["QueueUrl"]
sent = sqs.send_message(QueueUrl=url, MessageBody="from boto3 ✓")
out["sent"] = {"id": sent["MessageId"], "md5": sent["MD5OfMessageBody"]}
batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "b1"}, {"Id": "b", "MessageBody": "b2"}])
out["batch"] = sorted(e["Id"] for e in batch["Successful"])
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=1)
messages = got.get("Messages", [])
out["received"] = [{"body": m["Body"], "md5": m["MD5OfBody"], "count": m["Attributes"]["ApproximateReceiveCount"]} for m in messages]
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=messages[2]["ReceiptHandle"], VisibilityTimeout=0)
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[:2])])
out["deleted"] = sorted(e["Id"] for e in deleted["Successful"])
attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
out["attributes"] = {k: attributes[k] for k in ("VisibilityTimeout", "ApproximateNumberOfMessages", "QueueArn")}
out["listed"] = sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
try:
    sqs.get_queue_url(QueueName=name + "-missing")
    out["missing"] = None
except sqs.exceptions.QueueDoesNotExist as err:
    out["missing"] = {"class": "QueueDoesNotExist", "code": err.response["Error"]["Code"], "status": err.response["ResponseMetadata"]["HTTPStatusCode"]}
except ClientError as err:
    out["missing"] = {"code": err.response["Error"]["Code"], "status": err.response["ResponseMetadata"]["HTTPStatusCode"]}
try:
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}])
    out["repeated_ids"] = None
except ClientError as err:
    out["repeated_ids"] = err.response["Error"]["Code"]
# Message attributes: the test compares MD5OfMessageAttributes with an independent implementation's digest.
attributes = {
    "colour": {"DataType": "String", "StringValue": "blau ✓"},
    "count": {"DataType": "Number", "StringValue": "42.5"},
    "blob": {"DataType": "Binary", "BinaryValue": bytes([0, 1, 2, 254, 255])},
    "kind": {"DataType": "String.custom", "StringValue": "x"},
}
sent = sqs.send_message(QueueUrl=url, MessageBody="with attributes", MessageAttributes=attributes)
out["attribute_md5"] = sent.get("MD5OfMessageAttributes")
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1)
with_attributes = [m for m in got.get("Messages", []) if m["Body"] == "with attributes"][0]
out["attributes_back"] = {
    "same": with_attributes["MessageAttributes"] == attributes,
    "md5": with_attributes["MD5OfMessageAttributes"] == sent.get("MD5OfMessageAttributes"),
}
# The AWSTraceHeader system attribute over the query protocol (MessageSystemAttribute.N).
trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
traced = sqs.send_message(QueueUrl=url, MessageBody="traced", MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
out["trace_md5"] = traced.get("MD5OfMessageSystemAttributes")
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["AWSTraceHeader"], WaitTimeSeconds=1)
out["trace_back"] = [m.get("Attributes", {}).get("AWSTraceHeader") for m in got.get("Messages", []) if m["Body"] == "traced"]
sqs.delete_queue(QueueUrl=url)
print(json.dumps(out))
