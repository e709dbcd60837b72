-- Contoso order lines from either delivery flavour of V2: the denormalized `sales` table,
-- plus lines of `orderrows` ⋈ `orders` that `sales` does not hold (same OrderKey and
-- LineNumber), so one flavour, the other, or both give each line once. Amounts arrive in
-- USD with the USD → CurrencyCode rate (inline in sales; from currencyexchange on the order
-- day for the orders flavour) and are converted to the order currency here. The buyer's
-- country and region come from the customer's first delivered record.
-- A line is emitted when any input row behind it is new (line, header, rate, customer);
-- among deliveries of the same line the latest wins (older ones: rule superseded_line).
with sales as (
    select * from bronze.contoso_sales
),

orders as (
    select * from bronze.contoso_orders
),

order_rows as (
    select * from bronze.contoso_orderrows
),

currency_exchange as (
    select * from bronze.contoso_currencyexchange
),

customers as (
    select * from bronze.contoso_customer
),

sales_keys as (
    select distinct order_key, line_number from sales
),

latest_headers as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by order_key
                order by _ingested_at desc, _source_file desc, _source_line desc
            ) as recency_rank
        from orders
    ) as ranked_headers
    where recency_rank = 1
),

usd_rates as (
    select rate_date, to_currency, exchange, _ingested_at
    from (
        select
            date as rate_date,
            to_currency,
            exchange,
            _ingested_at,
            row_number() over (
                partition by date, to_currency
                order by _ingested_at desc, _source_file desc, _source_line desc
            ) as recency_rank
        from currency_exchange
        where from_currency = 'USD'
    ) as ranked_rates
    where recency_rank = 1
),

first_customer_records as (
    select customer_key, country_code, country_full, state_full, _ingested_at
    from (
        select
            customer_key,
            nullif(trim(country), '') as country_code,
            nullif(trim(country_full), '') as country_full,
            nullif(trim(state_full), '') as state_full,
            _ingested_at,
            row_number() over (
                partition by customer_key
                order by _ingested_at, _source_file, _source_line
            ) as delivery_rank
        from customers
    ) as ranked_customers
    where delivery_rank = 1
),

sales_lines as (
    select
        s.order_key,
        s.line_number,
        s.order_date,
        s.delivery_date,
        s.customer_key,
        s.store_key,
        s.product_key,
        s.quantity,
        s.unit_price as unit_price_usd,
        s.net_price as net_price_usd,
        s.unit_cost as unit_cost_usd,
        s.currency_code,
        s.exchange_rate,
        'sales' as delivery_flavour,
        cast(null as varchar) as flavour_drop_rule,
        s._ingested_at as line_ingested_at,
        s._ingested_at as inputs_ingested_at,
        s._source_file,
        s._source_part,
        s._source_line
    from sales as s
),

order_row_lines as (
    select
        r.order_key,
        r.line_number,
        h.order_date,
        h.delivery_date,
        h.customer_key,
        h.store_key,
        r.product_key,
        r.quantity,
        r.unit_price as unit_price_usd,
        r.net_price as net_price_usd,
        r.unit_cost as unit_cost_usd,
        h.currency_code,
        x.exchange as exchange_rate,
        'orders' as delivery_flavour,
        case when k.order_key is not null then 'line_in_sales' end as flavour_drop_rule,
        r._ingested_at as line_ingested_at,
        greatest(
            r._ingested_at,
            coalesce(h._ingested_at, r._ingested_at),
            coalesce(x._ingested_at, r._ingested_at)
        ) as inputs_ingested_at,
        r._source_file,
        r._source_part,
        r._source_line
    from order_rows as r
    left join latest_headers as h on h.order_key = r.order_key
    left join usd_rates as x
        on x.rate_date = h.order_date and x.to_currency = h.currency_code
    left join sales_keys as k
        on k.order_key = r.order_key and k.line_number = r.line_number
),

candidates as (
    select
        l.*,
        c.country_code as customer_country_code,
        c.country_full as customer_country_full,
        c.state_full as customer_region,
        greatest(l.inputs_ingested_at, coalesce(c._ingested_at, l.inputs_ingested_at))
            as _ingested_at
    from (
        select * from sales_lines
        union all
        select * from order_row_lines
    ) as l
    left join first_customer_records as c on c.customer_key = l.customer_key
    where l.inputs_ingested_at > :since or c._ingested_at > :since
),

ranked as (
    select
        *,
        row_number() over (
            partition by order_key, line_number, flavour_drop_rule
            order by line_ingested_at desc, _source_file desc, _source_line desc
        ) as delivery_rank
    from candidates
),

converted as (
    select
        *,
        cast(exchange_rate as decimal(16, 10)) as usd_to_currency,
        cast(unit_price_usd as decimal(18, 4)) as list_price_usd_dec,
        cast(net_price_usd as decimal(18, 4)) as net_price_usd_dec,
        cast(unit_cost_usd as decimal(18, 4)) as unit_cost_usd_dec
    from ranked
)

select
    'contoso:' || cast(order_key as varchar) || ':' || cast(line_number as varchar)
        as order_line_key,
    'contoso:' || cast(order_key as varchar) as order_id,
    cast(line_number as integer) as line_number,
    'contoso' as source_system,
    cast(order_date as timestamptz) as order_ts,
    'contoso:' || cast(customer_key as varchar) as customer_key,
    'contoso:' || cast(product_key as varchar) as product_key,
    'contoso:' || cast(store_key as varchar) as store_key,
    quantity,
    cast(round(cast(net_price_usd_dec as decimal(21, 4)) * usd_to_currency, 4) as decimal(18, 4))
        as unit_price,
    cast(round(
        cast((list_price_usd_dec - net_price_usd_dec) * quantity as decimal(21, 4))
        * usd_to_currency,
        2
    ) as decimal(18, 2)) as discount_amount,
    cast(round(cast(unit_cost_usd_dec as decimal(21, 4)) * usd_to_currency, 4) as decimal(18, 4))
        as unit_cost,
    currency_code as currency,
    'sale' as line_type,
    false as is_returned,
    case when delivery_date is not null then 'delivered' else 'processing' end as order_status,
    coalesce(customer_country_code, customer_country_full) as country,
    customer_region as region,
    cast(order_key as varchar) as source_order_key,
    delivery_date,
    delivery_flavour,
    net_price_usd_dec as net_price_usd,
    list_price_usd_dec as unit_price_usd,
    unit_cost_usd_dec as unit_cost_usd,
    usd_to_currency,
    line_ingested_at,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case
        when flavour_drop_rule is not null then flavour_drop_rule
        when delivery_rank > 1 then 'superseded_line'
    end as _drop_rule
from converted
