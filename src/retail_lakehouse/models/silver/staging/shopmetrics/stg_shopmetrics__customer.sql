-- Customer observations of ShopMetrics: every customers.csv row (the historical batch's
-- snapshot, then each delta batch's new and changed customers) is the customer's state as of
-- its updated_at. dim_customer turns the observations into SCD2 versions. A copy of an
-- observation already seen (same customer, instant and values, from another file) is dropped
-- by the rule redelivered_observation: here within one build, across builds by the
-- incremental materialization (on_existing_key).
with source as (
    select * from bronze.shopmetrics_customers
    where _ingested_at > :since
),

normalized as (
    select
        trim(customer_id) as customer_id,
        nullif(trim(concat_ws(' ', trim(first_name), trim(last_name))), '') as customer_name,
        nullif(trim(email), '') as email,
        nullif(trim(phone), '') as phone,
        nullif(trim(address), '') as address,
        nullif(trim(city), '') as city,
        nullif(trim(state), '') as state,
        nullif(trim(country), '') as country,
        nullif(trim(region), '') as world_region,
        nullif(lower(trim(segment)), '') as segment,
        signup_date,
        updated_at,
        coalesce(updated_at, cast(signup_date as timestamptz), _ingested_at) as valid_from,
        _ingested_at,
        _source_file,
        _source_part,
        _source_line
    from source
),

hashed as (
    select
        *,
        md5(concat_ws(
            '|',
            strftime(valid_from, '%Y-%m-%d %H:%M:%S'),
            coalesce(customer_name, '<null>'),
            coalesce(email, '<null>'),
            coalesce(phone, '<null>'),
            coalesce(address, '<null>'),
            coalesce(city, '<null>'),
            coalesce(state, '<null>'),
            coalesce(country, '<null>'),
            coalesce(world_region, '<null>'),
            coalesce(segment, '<null>'),
            coalesce(cast(signup_date as varchar), '<null>')
        )) as observation_hash
    from normalized
),

flagged as (
    select
        *,
        row_number() over (
            partition by customer_id, observation_hash
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence
    from hashed
)

select
    'shopmetrics:' || customer_id as customer_key,
    'shopmetrics' as source_system,
    customer_id as source_customer_id,
    customer_name,
    email,
    city,
    state as region,
    cast(null as varchar) as postal_code,
    country,
    segment,
    signup_date,
    valid_from,
    substr(observation_hash, 1, 16) as observation_id,
    phone,
    address,
    world_region,
    updated_at,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when occurrence > 1 then 'redelivered_observation' end as _drop_rule
from flagged
