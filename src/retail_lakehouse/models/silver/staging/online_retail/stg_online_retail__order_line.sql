-- One row per distinct Online Retail II invoice line: typed, keyed and classified.
-- The key hashes the line's values, so an exact duplicate (same eight values, in the same
-- file, another sheet or a later file) gets the same key: the first arrival is kept, later
-- copies are dropped by the rule exact_duplicate (within a batch here, across batches by
-- the incremental materialization) and counted in the row ledger.
with source as (
    select * from bronze.online_retail_transactions
    where _ingested_at > :since
),

normalized as (
    select
        trim(invoice) as invoice,
        trim(stock_code) as stock_code,
        description,
        quantity,
        invoice_date,
        cast(price as decimal(18, 4)) as price,
        regexp_replace(trim(customer_id), '\.0+$', '') as customer_id,
        trim(country) as country,
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
            stock_code,
            coalesce(description, '<null>'),
            cast(quantity as varchar),
            strftime(invoice_date, '%Y-%m-%d %H:%M:%S'),
            cast(price as varchar),
            coalesce(customer_id, '<null>'),
            coalesce(country, '<null>')
        )) as line_hash
    from normalized
),

flagged as (
    select
        *,
        row_number() over (
            partition by invoice, line_hash
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence,
        regexp_matches(stock_code, '^[0-9]{5}') as is_product,
        starts_with(invoice, 'C') as is_cancellation
    from hashed
)

select
    'online_retail:' || invoice || ':' || substr(line_hash, 1, 16) as order_line_key,
    'online_retail:' || invoice as order_id,
    cast(null as integer) as line_number,
    'online_retail' as source_system,
    invoice_date as order_ts,
    case when customer_id is not null then 'online_retail:' || customer_id end as customer_key,
    'online_retail:' || stock_code as product_key,
    'online_retail:web' as store_key,
    quantity,
    price as unit_price,
    cast(0 as decimal(18, 2)) as discount_amount,
    cast(null as decimal(18, 4)) as unit_cost,
    'GBP' as currency,
    case
        when not is_product then 'non_product'
        when is_cancellation then 'return'
        when quantity > 0 and price > 0 then 'sale'
        else 'adjustment'
    end as line_type,
    false as is_returned,
    case
        when is_cancellation then 'cancelled'
        when starts_with(invoice, 'A') then 'adjustment'
        else 'completed'
    end as order_status,
    country,
    cast(null as varchar) as region,
    invoice,
    stock_code,
    description,
    customer_id as source_customer_id,
    is_product,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when occurrence > 1 then 'exact_duplicate' end as _drop_rule
from flagged
