from core import gold_revenue
from polster.orchestration import medallion_asset

asset = medallion_asset(gold_revenue.aggregate)
