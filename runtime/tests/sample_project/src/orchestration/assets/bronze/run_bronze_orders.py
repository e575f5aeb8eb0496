from core import bronze_orders
from polster.orchestration import medallion_asset

asset = medallion_asset(bronze_orders.extract)
