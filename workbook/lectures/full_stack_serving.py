"""Lecture 1, §7 — serving: a scikit-learn model behind a real local Flask endpoint, its latency, and
how many machines a target load needs."""

from __future__ import annotations

import hashlib
import io
import json
import math
import pickle
import threading
import time
import urllib.request
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np

from ..i18n import t


def capacity_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`capacity_report`: target load, latency per request, workers per machine."""
    import ipywidgets as w

    return {"target_qps": w.IntSlider(value=1000, min=0, max=5000, step=50, description=t("target QPS", "목표 QPS", lang)),
            "latency_ms": w.FloatSlider(value=50, min=5, max=500, step=5, description=t("latency ms", "지연 시간 ms", lang)),
            "workers": w.IntSlider(value=4, min=1, max=16, description=t("workers", "워커 수", lang))}


# ---------------------------------------------------------------------------------------------------
# Serving: a scikit-learn model behind a real local Flask endpoint
# ---------------------------------------------------------------------------------------------------


def train_demo_model(seed: int = 0) -> tuple[Any, np.ndarray]:
    """A logistic regression on scikit-learn's bundled iris data (no download); returns (model, X)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500, random_state=seed).fit(X, y), X


def version_id(data: bytes, digits: int = 12) -> str:
    """The lecture's version id of some bytes (a model's weights, a query's rows): the first ``digits``
    hex digits of their SHA-256."""
    return hashlib.sha256(data).hexdigest()[:digits]


def model_version(model: Any) -> str:
    """A version id for a trained model: the version id of its pickle."""
    return version_id(pickle.dumps(model))


def make_app(model: Any) -> Any:
    """A Flask app serving ``model``: ``GET /health`` and ``POST /predict`` with ``{"rows": [[...], ...]}``."""
    from flask import Flask, jsonify, request

    app = Flask("full_stack_demo")
    version = model_version(model)

    @app.get("/health")
    def health() -> Any:
        return jsonify(status="ok", model_version=version)

    @app.post("/predict")
    def predict() -> Any:
        payload = request.get_json(silent=True) or {}
        rows = payload.get("rows")
        if not isinstance(rows, list) or not rows:
            return jsonify(error='send JSON {"rows": [[feature, ...], ...]}'), 400
        try:
            predictions = model.predict(np.asarray(rows, dtype=float))
        except ValueError as err:
            return jsonify(error=str(err)), 400
        return jsonify(predictions=[int(p) for p in predictions], model_version=version)

    return app


@contextmanager
def serve(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` on ``host`` at a free port in a background thread; yield its base URL; stop it on exit."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """One log line per request would flood the notebook output."""

    server = make_server(host, 0, app, threaded=True, request_handler=QuietHandler)  # port 0: the OS picks a free one
    with running(server, "full-stack-demo-server"):
        yield f"http://{host}:{server.server_port}"


@contextmanager
def running(server: Any, name: str) -> Iterator[None]:
    """Run a stdlib-style ``server`` (``serve_forever``/``shutdown``) in a background thread while
    the block runs; then stop it and free its port."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def call(url: str, payload: dict[str, Any] | None = None, timeout: float = 5.0) -> dict[str, Any]:
    """GET ``url`` (or POST ``payload`` as JSON) and return the decoded JSON reply."""
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.load(io.TextIOWrapper(reply, encoding="utf-8"))


def measure_latency(url: str, payload: dict[str, Any], n: int = 50) -> list[float]:
    """Milliseconds taken by each of ``n`` sequential POSTs of ``payload`` to ``url``."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call(url, payload)
        times.append((time.perf_counter() - start) * 1000)
    return times


def latency_summary(times_ms: Sequence[float], lang: str | None = None) -> Any:
    """A one-row DataFrame: requests, p50, p95 and max latency (ms), and the QPS one worker could serve."""
    import pandas as pd

    if not times_ms:
        raise ValueError("latency_summary: no latencies measured")
    p50, p95 = np.percentile(times_ms, [50, 95])
    return pd.DataFrame([{t("requests", "요청 수", lang): len(times_ms), "p50 (ms)": round(float(p50), 2),
                          "p95 (ms)": round(float(p95), 2), "max (ms)": round(float(max(times_ms)), 2),
                          t("QPS per worker (1000 / p50)", "워커당 QPS (1000 / p50)", lang): round(1000 / float(p50), 1)}])


def capacity_report(target_qps: int, latency_ms: float, workers: int, lang: str | None = None) -> Any:
    """HTML: how many machines serve ``target_qps`` when one request takes ``latency_ms`` and each machine
    runs ``workers`` workers handling one request at a time."""
    from IPython.display import HTML

    if latency_ms <= 0 or workers < 1 or target_qps < 0:
        raise ValueError("capacity_report: latency_ms must be positive, workers at least 1, target_qps not negative")
    per_worker = 1000.0 / latency_ms
    per_machine = per_worker * workers
    machines = max(1, math.ceil(target_qps / per_machine - 1e-9))  # 1e-9: 240/240 is one machine, not two
    return HTML(t(
        f"<p>One worker: 1000 / {latency_ms:g} ms = <b>{per_worker:.1f}</b> requests/s. One machine with {workers} "
        f"workers: <b>{per_machine:.1f}</b>/s. For {target_qps} QPS you need <b>{machines}</b> machine(s) "
        f"(capacity {machines * per_machine:.0f} QPS).</p>",
        f"<p>워커 하나: 1000 / {latency_ms:g} ms = 초당 <b>{per_worker:.1f}</b>건. 워커 {workers}개를 둔 서버 한 대: "
        f"초당 <b>{per_machine:.1f}</b>건. {target_qps} QPS를 감당하려면 서버 <b>{machines}</b>대가 필요합니다 "
        f"(최대 처리량 {machines * per_machine:.0f} QPS).</p>", lang))
