-- Orders whose amount must be positive: a `fail` expectation guards it.
select order_id, amount from bronze.test_orders
