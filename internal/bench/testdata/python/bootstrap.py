"""The seed's Python init, as the benchmarks' reference.

The seed's post function was Python: at start it imports boto3 and the
X-Ray SDK, patches every supported library (patch_all) and creates a
DynamoDB Table resource. This bootstrap does that init, then long-polls
the Lambda Runtime API as a real runtime does, answering each invocation
with a fixed 200, so its exec-to-first-GET-next is measured the way the Go
bootstraps' is. Standard library only besides the seed's two imports.
"""

import json
import os
import urllib.request

import boto3
from aws_xray_sdk.core import patch_all

patch_all()
table = boto3.resource("dynamodb").Table(os.environ.get("QUESTIONS_TABLE_NAME", "questions"))

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"


def handler(event):
    return {"statusCode": 200, "body": json.dumps({"table": table.name})}


def main():
    while True:
        with urllib.request.urlopen(API + "next") as resp:
            request_id = resp.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(resp.read() or b"null")
        body = json.dumps(handler(event)).encode()
        req = urllib.request.Request(API + request_id + "/response", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req).close()


if __name__ == "__main__":
    main()
