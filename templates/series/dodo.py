"""`doit` in this folder builds every episode (`doit -n 2`: two at a time), then build/season.html."""
from scriptagent.season import season_tasks

globals().update(season_tasks(__file__))
