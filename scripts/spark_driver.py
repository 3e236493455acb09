"""The driver script for ``spark-submit``: the ``sql2dynamo`` command line, run inside the Spark application.

    spark-submit [spark options] scripts/spark_driver.py migrate SOURCE_URL --model DIR --target aws:REGION \\
        --engine spark

spark-submit sets the master and the resources; ``--engine spark`` without
``--spark-master`` takes them from there (see the README, "Scaling out").
"""

from sql2dynamo.cli.main import main

if __name__ == "__main__":
    main()
