-- Product observations of Online Retail II, one per stock code and month: the month's
-- latest description (sale or return lines first: stock-adjustment notes such as 'damaged'
-- never rename a product) and the price of its latest sale. A month touched by new lines
-- is recomputed from all its lines, so incremental runs equal a full build.
with all_lines as (
    select * from silver.stg_online_retail__order_line
),

touched as (
    select distinct product_key, date_trunc('month', order_ts) as month_start
    from all_lines
    where _ingested_at > :since
),

lines as (
    select l.*, t.month_start
    from all_lines as l
    inner join touched as t
        on t.product_key = l.product_key
        and t.month_start = date_trunc('month', l.order_ts)
),

described as (
    select
        product_key,
        month_start,
        trim(description) as product_name,
        row_number() over (
            partition by product_key, month_start
            order by
                case when line_type in ('sale', 'return') then 0 else 1 end,
                order_ts desc,
                order_line_key desc
        ) as recency_rank
    from lines
    where description is not null and trim(description) <> ''
),

priced as (
    select
        product_key,
        month_start,
        unit_price,
        row_number() over (
            partition by product_key, month_start order by order_ts desc, order_line_key desc
        ) as recency_rank
    from lines
    where line_type = 'sale'
),

months as (
    select
        product_key,
        month_start,
        max(stock_code) as stock_code,
        bool_or(is_product) as is_product,
        min(order_ts) as valid_from,
        max(_ingested_at) as _ingested_at
    from lines
    group by product_key, month_start
)

select
    m.product_key,
    'online_retail' as source_system,
    m.stock_code as source_product_id,
    d.product_name,
    cast(null as varchar) as source_category,
    cast(null as varchar) as subcategory,
    cast(null as varchar) as brand,
    m.is_product,
    case
        when m.is_product then 'merchandise'
        when upper(m.stock_code) in ('POST', 'DOT', 'C2') then 'shipping'
        when upper(m.stock_code) in ('BANK CHARGES', 'AMAZONFEE', 'CRUK') then 'fee'
        when upper(m.stock_code) in ('M', 'D', 'S', 'B', 'ADJUST', 'PADS') then 'adjustment'
        when lower(m.stock_code) like 'gift%' then 'voucher'
        when upper(m.stock_code) like 'TEST%' then 'test'
        else 'other_non_product'
    end as product_type,
    p.unit_price as list_price,
    cast(null as decimal(18, 4)) as unit_cost,
    'GBP' as currency,
    m.valid_from,
    strftime(m.month_start, '%Y-%m') as observation_month,
    m._ingested_at
from months as m
left join described as d
    on d.product_key = m.product_key and d.month_start = m.month_start and d.recency_rank = 1
left join priced as p
    on p.product_key = m.product_key and p.month_start = m.month_start and p.recency_rank = 1
