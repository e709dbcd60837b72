-- Customer observations of Contoso: customer.csv is a snapshot without a change time, so
-- every delivered row is one observation of the customer's state. valid_from rule: a
-- customer's first delivery took effect at StartDT (the start of the relation; the
-- delivery time when StartDT is empty); any later delivery at the delivery's _ingested_at.
-- dim_customer's scd2 collapses observations whose state did not change, so an unchanged
-- re-delivery opens no version and a changed one opens a version from its delivery time.
with customers as (
    select * from bronze.contoso_customer
),

new_rows as (
    select * from customers where _ingested_at > :since
),

first_deliveries as (
    select customer_key, min(_ingested_at) as first_ingested_at
    from customers
    group by customer_key
),

observations as (
    select
        n.*,
        n._ingested_at = f.first_ingested_at as is_first_delivery,
        row_number() over (
            partition by n.customer_key, n._ingested_at
            order by n._source_file desc, n._source_line desc
        ) as delivery_rank
    from new_rows as n
    inner join first_deliveries as f on f.customer_key = n.customer_key
)

select
    'contoso:' || cast(customer_key as varchar) as customer_key,
    'contoso' as source_system,
    cast(customer_key as varchar) as source_customer_id,
    nullif(concat_ws(
        ' ',
        nullif(trim(given_name), ''),
        case when nullif(trim(middle_initial), '') is not null then trim(middle_initial) || '.' end,
        nullif(trim(surname), '')
    ), '') as customer_name,
    cast(null as varchar) as email,
    nullif(trim(city), '') as city,
    nullif(trim(state_full), '') as region,
    nullif(trim(zip_code), '') as postal_code,
    coalesce(nullif(trim(country), ''), nullif(trim(country_full), '')) as country,
    cast(null as varchar) as segment,
    start_dt as signup_date,
    case
        when is_first_delivery and start_dt is not null then cast(start_dt as timestamptz)
        else _ingested_at
    end as valid_from,
    _file_sha256 || ':' || cast(_source_line as varchar) as observation_id,
    is_first_delivery,
    end_dt as end_date,
    gender,
    title,
    birthday,
    nullif(trim(street_address), '') as street_address,
    nullif(trim(continent), '') as continent,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when delivery_rank > 1 then 'superseded_in_delivery' end as _drop_rule
from observations
