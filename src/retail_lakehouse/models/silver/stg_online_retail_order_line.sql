-- One row per bronze line of Online Retail II: typed, keyed and classified.
-- Exact duplicate source lines are kept in the stage but flagged with _drop_rule, so the
-- row ledger counts them; the runner writes only the first occurrence.
with source as (
    select * from bronze.online_retail_transactions
),

normalized as (
    select
        trim(invoice) as invoice,
        trim(stock_code) as stock_code,
        description,
        quantity,
        invoice_date,
        price,
        regexp_replace(trim(customer_id), '\.0+$', '') as customer_id,
        trim(country) as country,
        _source_file,
        _source_part,
        _source_line
    from source
),

flagged as (
    select
        *,
        row_number() over (
            partition by
                invoice, stock_code, description, quantity, invoice_date, price, customer_id,
                country
            order by _source_file, _source_part, _source_line
        ) as occurrence,
        regexp_matches(stock_code, '^[0-9]{5}') as is_product,
        starts_with(invoice, 'C') as is_cancellation
    from normalized
),

numbered as (
    select
        *,
        row_number() over (
            partition by invoice, occurrence > 1
            order by _source_file, _source_part, _source_line
        ) as line_number
    from flagged
)

select
    'online_retail:' || invoice || ':' || cast(line_number as varchar) as order_line_key,
    'online_retail:' || invoice as order_id,
    invoice,
    cast(line_number as integer) as line_number,
    'online_retail' as source_system,
    invoice_date as order_ts,
    cast(invoice_date as date) as order_date,
    customer_id as source_customer_id,
    case when customer_id is not null then 'online_retail:' || customer_id end as customer_key,
    stock_code,
    'online_retail:' || stock_code as product_key,
    description,
    quantity,
    price as unit_price,
    'GBP' as currency,
    country,
    is_product,
    is_cancellation as is_return,
    case
        when not is_product then 'non_product'
        when is_cancellation then 'return'
        when quantity > 0 and price > 0 then 'sale'
        else 'adjustment'
    end as line_type,
    case
        when is_cancellation then 'cancelled'
        when starts_with(invoice, 'A') then 'adjustment'
        else 'completed'
    end as order_status,
    _source_file,
    _source_part,
    _source_line,
    case when occurrence > 1 then 'exact_duplicate' end as _drop_rule
from numbered
