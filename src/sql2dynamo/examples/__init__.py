"""Worked examples shipped with sql2dynamo: schemas, data generators and workloads."""
