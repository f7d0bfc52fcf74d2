"""`doit` in this folder builds the production; `doit list` shows the tasks."""
from scriptagent.tasks import production_tasks

globals().update(production_tasks(__file__))
