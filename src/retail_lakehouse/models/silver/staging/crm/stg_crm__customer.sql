-- Customer observations of the CRM: customers.csv already holds versions (valid_from /
-- valid_to in epoch seconds), so each row is one observation whose state took effect at
-- valid_from; dim_customer's scd2 materialization rebuilds the versions (valid_to there is
-- the next observation's valid_from, so the source's valid_to is kept only for reference).
-- A (customer_id, valid_from) delivered again in a later file (a fresh history export)
-- replaces the earlier row: the earlier copy is dropped by the rule superseded_delivery.
-- signup_date is the customer's first valid_from, so a customer touched by new rows is
-- recomputed from all its rows.
with all_rows as (
    select * from bronze.crm_customers
),

touched as (
    select distinct customer_id from all_rows where _ingested_at > :since
),

customer_rows as (
    select
        r.*,
        row_number() over (
            partition by r.customer_id, r.valid_from
            order by r._ingested_at desc, r._source_file desc, r._source_part desc,
                r._source_line desc
        ) as delivery_rank,
        min(r.valid_from) over (partition by r.customer_id) as first_valid_from,
        max(r._ingested_at) over (partition by r.customer_id) as customer_ingested_at
    from all_rows as r
    inner join touched as t on t.customer_id = r.customer_id
)

select
    'crm:' || cast(customer_id as varchar) as customer_key,
    'crm' as source_system,
    cast(customer_id as varchar) as source_customer_id,
    customer_name,
    cast(null as varchar) as email,
    trim(city) as city,
    trim(state) as region,
    trim(postcode) as postal_code,
    'US' as country,
    cast(loyalty_segment as varchar) as segment,
    cast(to_timestamp(first_valid_from) as date) as signup_date,
    to_timestamp(valid_from) as valid_from,
    cast(valid_from as varchar) as observation_id,
    to_timestamp(valid_to) as source_valid_to,
    units_purchased,
    tax_id is not null and trim(tax_id) <> '' as is_business,
    customer_ingested_at as _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when delivery_rank > 1 then 'superseded_delivery' end as _drop_rule
from customer_rows
