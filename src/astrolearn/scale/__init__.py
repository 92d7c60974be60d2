"""Prediction at survey scale: chunk by chunk into one file, or partition by partition
into a Parquet dataset or HATS catalog, in this process or on a Dask cluster.

- :func:`predict_table_file`: any table file through a catalog model into one output
  file, with bounded memory (the local engine's single-file form).
- :func:`predict_dataset`: a Parquet dataset or HATS catalog into a partitioned output
  that resumes after an interruption; ``engine="local"`` or ``"dask"`` give identical
  predictions because both run the same partition work.
- :func:`predict_catalog`: a lazy LSDB catalog of predictions, for users who work in LSDB.
"""

from astrolearn.scale.chunked import PredictionRun, predict_table_file
from astrolearn.scale.dataset import DatasetRun, predict_dataset
from astrolearn.scale.lsdb_catalog import predict_catalog
from astrolearn.scale.partitions import DatasetPlan, Partition, plan_partitions

__all__ = ["DatasetPlan", "DatasetRun", "Partition", "PredictionRun", "plan_partitions",
           "predict_catalog", "predict_dataset", "predict_table_file"]
