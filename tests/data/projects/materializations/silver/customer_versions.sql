-- Every observed state of every customer from the raw change feed; the scd2
-- materialization turns observations into versions.
with changes as (
    select * from bronze.test_customers
)

select
    'test:' || customer_id as customer_key,
    email,
    city,
    updated_at as valid_from
from changes
