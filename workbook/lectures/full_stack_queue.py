"""Lecture 1, Job 7 — deployment as the talk describes it: model archives on a file server, and a message
queue feeding Python workers.

Everything is the Python standard library, run inside the notebook's process: the file server is
``http.server.ThreadingHTTPServer`` on 127.0.0.1, the message queue is ``queue.Queue`` and the workers
are threads. Each job waits ``service_ms`` milliseconds besides the model call, standing in for a GPU
call: a GPU call (like this sleep) releases Python's GIL, so threads overlap as separate worker
processes would. CPU-bound Python work would not overlap in threads; production workers are separate
processes (or machines) reading from a broker such as RabbitMQ or Redis.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import queue
import threading
import time
import urllib.request
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..i18n import t
from .full_stack_serving import running, version_id

ARCHIVE_MEMBERS = ("model.pkl", "manifest.json")


def package_model(model: Any, directory: Path | str, *, name: str = "iris") -> tuple[str, Path]:
    """Write ``model`` as ``<name>-<version>.zip`` (the pickled weights and a manifest) into ``directory``,
    as a release puts it on the file server; returns (version, path). The version is the SHA-256 of the
    pickle, so the same model always gets the same archive name."""
    import sklearn

    weights = pickle.dumps(model)
    version = version_id(weights)
    manifest = {"name": name, "version": version, "framework": f"scikit-learn {sklearn.__version__}",
                "entry": "model.predict(rows)"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.pkl", weights)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    path = Path(directory) / f"{name}-{version}.zip"
    partial_path = path.with_name(f".{path.name}.tmp")
    partial_path.write_bytes(buffer.getvalue())
    os.replace(partial_path, path)  # a worker downloading it sees the whole archive or none
    return version, path


@contextmanager
def file_server(directory: Path | str, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the files of ``directory`` over HTTP at a free port in a background thread; yield the base URL."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            """One log line per download would flood the notebook."""

    server = ThreadingHTTPServer((host, 0), partial(QuietHandler, directory=str(directory)))
    with running(server, "full-stack-file-server"):
        yield f"http://{host}:{server.server_address[1]}"


def fetch_model(url: str, timeout: float = 5.0) -> tuple[Any, dict[str, Any]]:
    """Download a model archive from the file server; return (model, manifest).

    Raises ValueError naming the URL when the archive lacks a member or its weights do not match the
    version in the manifest. (Unpickling runs code: load archives only from your own file server.)"""
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        data = reply.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        missing = sorted(set(ARCHIVE_MEMBERS) - set(archive.namelist()))
        if missing:
            raise ValueError(f"{url}: model archive lacks {', '.join(missing)}")
        weights = archive.read("model.pkl")
        manifest = json.loads(archive.read("manifest.json"))
    if version_id(weights) != manifest.get("version"):
        raise ValueError(f"{url}: the weights do not match the manifest's version {manifest.get('version')!r}")
    return pickle.loads(weights), manifest


@dataclass
class QueueRun:
    """What one run of the queue measured."""

    workers: int
    jobs: int
    seconds: float
    predictions: dict[int, int] = field(default_factory=dict)  # job id -> predicted class
    handled_by: dict[str, int] = field(default_factory=dict)  # worker name -> jobs handled
    latencies_ms: list[float] = field(default_factory=list)  # enqueue to result, per job

    @property
    def throughput(self) -> float:
        """Jobs per second."""
        return self.jobs / self.seconds


def _work(name: str, model_url: str, jobs: queue.Queue, results: queue.Queue, ready: threading.Barrier,
          service_ms: float) -> None:
    """One Python worker: fetch the model from the file server, then answer jobs until it gets ``None``."""
    model, _ = fetch_model(model_url)
    ready.wait()
    while True:
        job = jobs.get()
        if job is None:
            return
        job_id, row, queued_at = job
        prediction = int(model.predict(np.asarray([row], dtype=float))[0])
        time.sleep(service_ms / 1000)  # the accelerator's time: it releases the GIL, as a GPU call does
        results.put((job_id, prediction, name, time.perf_counter() - queued_at))


def run_queue(model_url: str, rows: Sequence[Sequence[float]], workers: int, service_ms: float = 20.0) -> QueueRun:
    """Put one job per row on a message queue, let ``workers`` worker threads (each loading the model
    from ``model_url``) answer them, and time the run from the first job to the last answer."""
    if workers < 1 or not rows:
        raise ValueError(f"run_queue: need at least one worker and one row, got workers={workers}, rows={len(rows)}")
    jobs: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    ready = threading.Barrier(workers + 1)
    threads = [threading.Thread(target=_work, args=(f"worker-{i + 1}", model_url, jobs, results, ready, service_ms),
                                name=f"full-stack-worker-{i + 1}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=30)  # every worker has its model: loading is not part of the throughput
    start = time.perf_counter()
    for job_id, row in enumerate(rows):
        jobs.put((job_id, list(row), time.perf_counter()))
    run = QueueRun(workers=workers, jobs=len(rows), seconds=0.0)
    for _ in rows:
        job_id, prediction, name, latency = results.get(timeout=30)
        run.predictions[job_id] = prediction
        run.handled_by[name] = run.handled_by.get(name, 0) + 1
        run.latencies_ms.append(latency * 1000)
    run.seconds = time.perf_counter() - start
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join(timeout=5)
    return run


def throughput_table(model_url: str, rows: Sequence[Sequence[float]], workers: Sequence[int] = (1, 2, 4),
                     service_ms: float = 20.0, lang: str | None = None) -> Any:
    """A DataFrame, one row per worker count: jobs, seconds, jobs/s, speed-up over one worker, p50 latency
    and how the jobs were shared among the workers."""
    import pandas as pd

    runs = [run_queue(model_url, rows, n, service_ms) for n in workers]
    base = runs[0].throughput
    return pd.DataFrame([{t("workers", "워커 수", lang): run.workers, t("jobs", "작업 수", lang): run.jobs,
                          t("seconds", "걸린 시간(초)", lang): round(run.seconds, 3),
                          t("jobs/s", "초당 작업 수", lang): round(run.throughput, 1),
                          t("speed-up", "속도 향상", lang): round(run.throughput / base, 2),
                          "p50 (ms)": round(float(np.median(run.latencies_ms)), 1),
                          t("jobs per worker", "워커별 처리 수", lang): sorted(run.handled_by.values(), reverse=True)}
                         for run in runs])


def batch_vs_service(model: Any, model_url: str, rows: Sequence[Sequence[float]], workers: int = 4,
                     service_ms: float = 20.0, lang: str | None = None) -> Any:
    """A DataFrame comparing batch prediction (all rows in one model call, one accelerator wait) with the
    model as a service (one queued job per row, ``workers`` workers): total time, throughput and how
    long one request waits for its answer."""
    import pandas as pd

    start = time.perf_counter()
    model.predict(np.asarray(rows, dtype=float))
    time.sleep(service_ms / 1000)
    batch_seconds = time.perf_counter() - start
    run = run_queue(model_url, rows, workers, service_ms)
    wait = t("until the next scheduled batch run (hours)", "다음 배치 실행까지 (몇 시간)", lang)
    return pd.DataFrame([
        {t("mode", "방식", lang): t("batch: one call for all rows", "배치: 모든 행을 한 번에", lang),
         t("seconds", "걸린 시간(초)", lang): round(batch_seconds, 3),
         t("rows/s", "초당 행 수", lang): round(len(rows) / batch_seconds), t("a request waits", "요청 하나의 대기", lang): wait},
        {t("mode", "방식", lang): t(f"service: queue + {workers} workers", f"서비스: 큐 + 워커 {workers}개", lang),
         t("seconds", "걸린 시간(초)", lang): round(run.seconds, 3),
         t("rows/s", "초당 행 수", lang): round(run.throughput),
         t("a request waits", "요청 하나의 대기", lang): f"p50 {np.median(run.latencies_ms):.0f} ms"},
    ])
