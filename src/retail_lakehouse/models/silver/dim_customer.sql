-- One row per customer state; the scd2 materialization turns states into versions.
-- Online Retail II knows a customer only through invoices: the state is the country of the
-- latest purchase, effective from the first purchase made from that country.
with lines as (
    select * from silver.stg_online_retail_order_line
),

countries as (
    select * from silver.country
),

customer_lines as (
    select
        customer_key,
        source_customer_id,
        source_system,
        country,
        order_ts,
        row_number() over (
            partition by customer_key order by order_ts desc, order_line_key desc
        ) as recency_rank
    from lines
    where customer_key is not null
),

latest_country as (
    select customer_key, source_customer_id, source_system, country
    from customer_lines
    where recency_rank = 1
),

first_seen as (
    select customer_key, min(order_ts) as first_order_ts
    from customer_lines
    group by customer_key
),

state_start as (
    select l.customer_key, min(c.order_ts) as valid_from
    from latest_country as l
    inner join customer_lines as c
        on c.customer_key = l.customer_key and c.country = l.country
    group by l.customer_key
)

select
    l.customer_key,
    l.source_system,
    l.source_customer_id,
    coalesce(k.country_code, 'ZZ') as country_code,
    coalesce(k.country_name, l.country) as country_name,
    l.country as source_country,
    cast(null as varchar) as city,
    cast(null as varchar) as region,
    f.first_order_ts,
    s.valid_from
from latest_country as l
inner join first_seen as f on f.customer_key = l.customer_key
inner join state_start as s on s.customer_key = l.customer_key
left join countries as k on k.name_key = lower(l.country)
