"""The link pipeline on Spark: the engine interface of `engine.py` over a SparkSession.

Every work table a step materialises is checkpointed as Parquet in the run's own folder (created
owner-only, removed at the end) and read back as a temp view `_lk_<name>`, so a step's plan never
grows the lineage of the steps before it. Statements arrive in DuckDB's dialect and are carried
to Spark's by `spark_dialect.to_spark`. String similarity runs as Arrow UDFs (rapidfuzz, the same
algorithms DuckDB's functions implement).
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute in the UDFs
import pyarrow.parquet as pq

from chronolink.engine.errors import EngineUnavailable
from chronolink.engine.link.engine import PREFIX, physical
from chronolink.engine.link.spark_dialect import SIMILARITY_UDFS, tables_read, to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

# A work table is left as a plan while it nests at most this many plans of others (counted once per
# mention, so a table read twice weighs double): more, and Spark's analysis of the plan grows out of hand.
LAZY_WEIGHT = 3

# Settings the translated SQL relies on: 64-bit arithmetic wraps (DuckDB's hash is written with it),
# the size of a NULL list is NULL (as DuckDB's len), no UI, no network beyond the local machine.
SESSION_CONF = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.legacy.sizeOfNull": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def check_spark() -> None:
    """Raise EngineUnavailable (one line) unless pyspark imports and Java is on the PATH (or JAVA_HOME)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineUnavailable("--engine spark needs pyspark (pip install 'chronolink-mash[spark]')") from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise EngineUnavailable("--engine spark needs Java 17+ (Debian: openjdk-17-jre-headless)")


def spark_session(master: str = "local[2]", shuffle_partitions: int = 8, memory: str | None = None,
                  conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession for linking (raises EngineUnavailable, one line, when pyspark or Java is missing)."""
    check_spark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers run this interpreter, so they import Chronolink and rapidfuzz as the driver does.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    b = SparkSession.builder.master(master).appName("chronolink-link")
    for k, v in {**SESSION_CONF, "spark.sql.shuffle.partitions": str(shuffle_partitions), **(conf or {})}.items():
        b = b.config(k, v)
    if memory:
        b = b.config("spark.driver.memory", memory)
    try:
        s = b.getOrCreate()
    except Exception as e:  # the JVM did not start: Java too old, or not runnable
        raise EngineUnavailable(f"--engine spark could not start Spark ({type(e).__name__}): Java 17+?") from None
    s.sparkContext.setLogLevel("ERROR")
    for k, v in SESSION_CONF.items():  # a session reused from an earlier caller gets them too
        if not k.startswith(("spark.ui", "spark.driver")):
            s.conf.set(k, v)
    register_similarity(s)
    return s


def _similarity(a: pa.Array, b: pa.Array, scorer: Any, dtype: pa.DataType) -> pa.Array:
    # (float64 throughout: a float32 score would move pairs across a level's threshold)
    """`scorer` of each pair (a[i], b[i]) in one C++ call (rapidfuzz's cpdist); NULL where either is NULL."""
    from rapidfuzz.process import cpdist

    both = pa.compute.and_(a.is_valid(), b.is_valid()).to_numpy(zero_copy_only=False)
    xs, ys = a.to_pylist(), b.to_pylist()
    idx = both.nonzero()[0]
    out: list[Any] = [None] * len(xs)
    if len(idx):
        got = cpdist([xs[i] for i in idx], [ys[i] for i in idx], scorer=scorer, workers=1,
                     dtype=dtype.to_pandas_dtype())
        for i, v in zip(idx.tolist(), got.tolist()):
            out[i] = v
    return pa.array(out, type=dtype)


def jaro_winkler_similarity(a: pa.Array, b: pa.Array) -> pa.Array:
    """DuckDB's jaro_winkler_similarity (both are rapidfuzz's algorithm; prefix weight 0.1)."""
    from rapidfuzz.distance import JaroWinkler

    return _similarity(a, b, JaroWinkler.similarity, pa.float64())


def damerau_levenshtein(a: pa.Array, b: pa.Array) -> pa.Array:
    """DuckDB's damerau_levenshtein distance."""
    from rapidfuzz.distance import DamerauLevenshtein

    return _similarity(a, b, DamerauLevenshtein.distance, pa.int64())


def register_similarity(spark: SparkSession) -> None:
    """DuckDB's `jaro_winkler_similarity(a, b)` and `damerau_levenshtein(a, b)` as Arrow UDFs (NULL in, NULL
    out) under the names `spark_dialect` calls them by."""
    from pyspark.sql.functions import arrow_udf

    spark.udf.register(SIMILARITY_UDFS["jaro_winkler_similarity"], arrow_udf(jaro_winkler_similarity, "double"))  # type: ignore[call-overload]
    spark.udf.register(SIMILARITY_UDFS["damerau_levenshtein"], arrow_udf(damerau_levenshtein, "long"))  # type: ignore[call-overload]


class SparkEngine:
    """The link pipeline on Spark: work tables are Parquet checkpoints read back as temp views."""

    dialect = "spark"

    def __init__(self, spark: SparkSession, workdir: str | Path | None = None, checkpoint: Collection[str] | None = None):
        """`checkpoint`: the work tables written as Parquet (the named steps' outputs; None: every table).
        Any other work table a step makes on its way is a local checkpoint in the executors' storage."""
        self.spark = spark
        self.saved = None if checkpoint is None else {physical(n) for n in checkpoint}
        self._cached: dict[str, DataFrame] = {}
        self._weight: dict[str, int] = {}  # views left as plans: how many plans each nests
        self._retired: list[DataFrame] = []
        # mkdtemp creates the folder readable by its owner only (0700); everything goes inside it.
        self.workdir = Path(tempfile.mkdtemp(prefix="chronolink-spark-", dir=workdir))
        self._paths: dict[str, Path] = {}
        self._seq = itertools.count()
        self.notes: dict[str, int] = {}  # figures a step reports about its work (the clustering's components)

    # -- the engine interface -------------------------------------------------------------
    def run(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one statement (no result)."""
        self.spark.sql(to_spark(sql, params)).collect()

    def materialise(self, name: str, query: str, params: list[Any] | None = None) -> None:
        """Work table `name` from `query`: written as Parquet and read back as a view when it is a named
        step's output (a checkpoint), else a local checkpoint (executor storage; lineage cut all the same)."""
        view = physical(name)
        df = self.spark.sql(to_spark(query, params))
        if self.saved is None or view in self.saved:
            self.save(view, df)
            return
        # A step's own small tables stay plans (a view: no job of their own) until a plan would
        # nest too many of them; then a local checkpoint (executors' storage) cuts the lineage.
        weight = 1 + sum(self._weight.get(t, 0) for t in tables_read(query))
        if weight > LAZY_WEIGHT:
            df, weight = df.localCheckpoint(eager=True), 0
        self._forget(view)
        df.createOrReplaceTempView(view)
        self._cached[view] = df
        self._weight[view] = weight

    def checkpoint(self, name: str) -> None:
        """A work table left as a plan becomes a local checkpoint (a loop's tables would otherwise nest
        every round's plan); a Parquet checkpoint already is one."""
        view = physical(name)
        if self._weight.get(view):
            self._weight[view] = 0
            df = self._cached[view].localCheckpoint(eager=True)
            self._retired.append(self._cached[view])
            df.createOrReplaceTempView(view)
            self._cached[view] = df

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """A polars frame as view `name` (through a Parquet file, which Spark reads in parallel)."""
        path = self._new_path(name)
        path.mkdir()
        pq.write_table(_spark_safe(frame.to_arrow()), path / "part-0.parquet")
        self._swap(name, path)

    def unregister(self, name: str) -> None:
        """Forget a registered frame."""
        self.drop(name)

    def frame(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Query to polars (through Arrow)."""
        out = pl.from_arrow(self.spark.sql(to_spark(query, params)).toArrow())
        assert isinstance(out, pl.DataFrame)
        return out

    def rows(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        """Query to tuples (small results only)."""
        return [tuple(r) for r in self.spark.sql(to_spark(query, params)).collect()]

    def map_batches(self, name: str, query: str, fn: Callable[[pl.DataFrame], pl.DataFrame], schema: str) -> None:
        """`fn` on the executors, over Arrow batches of `query`'s rows (`mapInArrow`): nothing collected."""
        df = self.spark.sql(to_spark(query)).mapInArrow(partial(_map_frames, fn), schema)
        self.save(physical(name), df)

    def drop(self, *names: str) -> None:
        """Drop work tables and their files."""
        for n in names:
            view = n if n in self._paths or n in self._cached else physical(n)
            self._forget(view)
            self.spark.catalog.dropTempView(view)

    def _forget(self, view: str) -> None:
        """Stop naming what backs `view`. Its files and checkpoint stay until `close`: a view left as a
        plan may still read them (a county's run keeps a few GB of Parquet in its folder until then)."""
        df = self._cached.pop(view, None)
        self._weight.pop(view, None)
        if df is not None:
            self._retired.append(df)
        self._paths.pop(view, None)

    def exists(self, name: str) -> bool:
        """Does work table `name` exist?"""
        return physical(name) in self._paths or physical(name) in self._cached

    def columns(self, name: str) -> list[str]:
        """Column names of work table `name`, in order."""
        return self.spark.table(physical(name)).columns

    # -- beyond the interface: checkpoints, hand-over, cleanup ----------------------------------
    def save(self, view: str, df: DataFrame) -> None:
        """Checkpoint `df` as Parquet and (re)point view `view` at it."""
        path = self._new_path(view)
        df.write.parquet(str(path))
        self._swap(view, path, df.schema)

    def parquet(self, name: str) -> str:
        """The Parquet files of work table or view `name` (a glob DuckDB's read_parquet takes)."""
        view = name if name in self._paths else physical(name)
        return str(self._paths[view] / "*.parquet")

    def read_store_table(self, name: str, parquet_glob: str) -> None:
        """Make Parquet files written from the store readable as view `name`."""
        self.spark.read.parquet(parquet_glob).createOrReplaceTempView(name)

    def drop_all(self) -> None:
        """Drop every work table of the run (`_lk_*`) and registered frame."""
        self.drop(*[v for v in (*self._paths, *self._cached) if v.startswith(PREFIX)])

    def close(self) -> None:
        """Drop every view, release every checkpoint and remove the run's folder."""
        self.drop(*self._paths, *self._cached)
        for df in self._retired:
            df.unpersist()
        self._retired.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _new_path(self, view: str) -> Path:
        return self.workdir / f"{view}.{next(self._seq)}"

    def _swap(self, view: str, path: Path, schema: StructType | None = None) -> None:
        reader = self.spark.read if schema is None else self.spark.read.schema(schema)  # no inference job
        reader.parquet(str(path)).createOrReplaceTempView(view)
        self._forget(view)
        self._paths[view] = path


def _map_frames(fn: Callable[[pl.DataFrame], pl.DataFrame], batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """`fn` over each Arrow batch as a polars frame, back as Arrow batches Spark reads (on an executor)."""
    for batch in batches:
        out = pl.from_arrow(batch)
        assert isinstance(out, pl.DataFrame)
        yield from _spark_safe(fn(out).to_arrow()).to_batches()


def _spark_safe(t: pa.Table) -> pa.Table:
    """Arrow types Spark reads from Parquet: large strings and lists as plain ones, unsigned as signed."""
    cols = []
    for f, col in zip(t.schema, t.columns):
        ty = f.type
        if pa.types.is_large_string(ty):
            col = col.cast(pa.string())
        elif pa.types.is_large_list(ty):
            inner = ty.value_type
            col = col.cast(pa.list_(pa.string() if pa.types.is_large_string(inner) else inner))
        elif pa.types.is_unsigned_integer(ty):
            col = col.cast(pa.int64())
        elif pa.types.is_null(ty):
            col = col.cast(pa.string())
        cols.append(col)
    return pa.table(cols, names=t.column_names)


__all__ = ["SparkEngine", "check_spark", "register_similarity", "spark_session"]
