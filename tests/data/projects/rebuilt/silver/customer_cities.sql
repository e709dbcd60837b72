select distinct city from bronze.test_customers
