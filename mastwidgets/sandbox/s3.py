"""The sandbox's S3: moto's S3-protocol server in a child process, on loopback.

The child runs ``python -m mastwidgets.sandbox._s3_child HOST PORT``, prints
``PORT <n>`` once it listens, and exits when its standard input closes, so it
never outlives the process that started it.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from botocore.config import Config

from ..errors import ConfigurationError

REGION = "us-east-1"


class S3Server:
    """A moto S3 server on ``host`` (port 0: any free port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        if importlib.util.find_spec("moto") is None:
            raise ConfigurationError(
                "The sandbox's S3 server needs moto: pip install 'mastwidgets[sandbox]' "
                "(or start the sandbox without S3: --no-s3, Sandbox(s3=False))."
            )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "mastwidgets.sandbox._s3_child", self.host, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the sandbox's S3 server did not start (it said {line!r})")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._process = None

    def client(self):
        """A boto3 client with write access, to fill the buckets (boto3 comes with moto)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
            config=Config(retries={"max_attempts": 2}, max_pool_connections=8),
        )

    def fill(self, bucket: str, objects: dict[str, Path]) -> None:
        """Create ``bucket`` and upload ``{key: local file}`` to it."""
        client = self.client()
        client.create_bucket(Bucket=bucket, ACL="public-read")  # like stpubdata: anyone may list
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_public_policy(bucket)))

        def put(item: tuple[str, Path]) -> None:
            key, path = item
            client.upload_file(str(path), bucket, key, ExtraArgs={"ACL": "public-read"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(put, objects.items()))


def _public_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
