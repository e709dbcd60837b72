-- One row per product code (SCD1: the latest description of a sale or return wins; stock
-- adjustment notes like 'damaged' never rename a product).
-- Non-product codes (POST, DOT, M, BANK CHARGES, ...) stay in the dimension, flagged, so
-- every fact line resolves, but they never count as products sold.
with lines as (
    select * from silver.stg_online_retail_order_line
),

keywords as (
    select * from silver.category_keyword
),

fx as (
    select * from silver.fx_rate
),

ranked as (
    select
        product_key,
        source_system,
        stock_code,
        description,
        is_product,
        row_number() over (
            partition by product_key
            order by
                case when line_type in ('sale', 'return') then 0 else 1 end,
                order_ts desc,
                order_line_key desc
        ) as recency_rank
    from lines
    where description is not null
),

latest as (
    select * from ranked where recency_rank = 1
),

all_codes as (
    select distinct product_key, source_system, stock_code, is_product from lines
),

last_price as (
    select
        s.product_key,
        s.unit_price * fx.rate_to_eur as list_price_eur,
        row_number() over (
            partition by s.product_key order by s.order_ts desc, s.order_line_key desc
        ) as recency_rank
    from lines as s
    inner join fx on fx.currency = s.currency and fx.rate_date = s.order_date
    where s.line_type = 'sale'
),

categorized as (
    select
        a.product_key,
        k.category,
        row_number() over (
            partition by a.product_key order by k.priority, k.keyword
        ) as match_rank
    from all_codes as a
    inner join latest as l on l.product_key = a.product_key
    inner join keywords as k on upper(l.description) like '%' || k.keyword || '%'
    where a.is_product
)

select
    a.product_key,
    a.source_system,
    a.stock_code as source_product_id,
    trim(l.description) as product_name,
    a.is_product,
    case
        when a.is_product then 'merchandise'
        when upper(a.stock_code) in ('POST', 'DOT', 'C2') then 'shipping'
        when upper(a.stock_code) in ('BANK CHARGES', 'AMAZONFEE', 'CRUK') then 'fee'
        when upper(a.stock_code) in ('M', 'D', 'S', 'B', 'ADJUST', 'PADS') then 'adjustment'
        when lower(a.stock_code) like 'gift%' then 'voucher'
        when upper(a.stock_code) like 'TEST%' then 'test'
        else 'other_non_product'
    end as product_type,
    case
        when not a.is_product then 'Non-product'
        else coalesce(c.category, 'Other')
    end as category,
    cast(null as varchar) as subcategory,
    cast(null as varchar) as brand,
    cast(null as double) as unit_cost_eur,
    p.list_price_eur
from all_codes as a
left join latest as l on l.product_key = a.product_key
left join categorized as c on c.product_key = a.product_key and c.match_rank = 1
left join last_price as p on p.product_key = a.product_key and p.recency_rank = 1
