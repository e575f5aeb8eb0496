from core import silver_orders
from polster.orchestration import medallion_asset

asset = medallion_asset(silver_orders.transform)
