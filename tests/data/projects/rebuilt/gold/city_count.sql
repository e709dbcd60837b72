select count(*) as cities from silver.customer_cities
