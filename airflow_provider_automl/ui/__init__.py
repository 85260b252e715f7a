"""The AutoML view: an Airflow 3 plugin showing a job's timeline, candidate leaderboard and charts.

The plugin (:mod:`airflow_provider_automl.ui.plugin`) mounts a small FastAPI app at ``/automl``
in the API server and adds an *AutoML* tab to task instances and an *AutoML jobs* page under
Browse. Its data comes through the provider's hooks with the task's own connection, behind
Airflow's access control. Nothing here is imported by operators, sensors or triggers.
"""

from __future__ import annotations
