"""Online Retail II (UCI): one transactions table, delivered as CSV or as the XLSX workbook."""

from retail_lakehouse.sources.contract import Column, TableContract

TRANSACTIONS = TableContract(
    source="online_retail",
    table="transactions",
    description=(
        "Invoice lines of a UK online gift retailer, 2009-12-01 to 2011-12-09 (UCI Online "
        "Retail II). Also accepts the older Online Retail (I) headers and m/d/Y dates."
    ),
    file_patterns=("*.csv", "*.tsv", "*.txt", "*.xlsx", "*.xls"),
    columns=(
        Column("invoice", header="Invoice", aliases=("InvoiceNo",), nullable=False),
        Column("stock_code", header="StockCode", nullable=False),
        Column("description", header="Description"),
        Column("quantity", "int", header="Quantity", nullable=False),
        Column("invoice_date", "timestamp", header="InvoiceDate", nullable=False),
        Column("price", "float", header="Price", aliases=("UnitPrice",), nullable=False),
        Column("customer_id", header="Customer ID", aliases=("CustomerID",)),
        Column("country", header="Country"),
    ),
    keys=("invoice", "stock_code"),
)

TABLES = (TRANSACTIONS,)
