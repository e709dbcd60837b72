-- One row per source system and currency: the same sales KPIs computed naively on the
-- rows as delivered (bronze: every row, duplicates, postage and fees included, amounts =
-- quantity × price) and on silver's canonical lines — what cleaning changed (seed 000,
-- feature 2.2). The only gold model that names sources: it compares the raw sources.
-- Amounts stay in the source's currency on both sides, so FX plays no part in the change.
with online_retail as (
    select
        'online_retail' as source_system,
        'GBP' as currency,
        'online_retail:' || trim(invoice) as order_id,
        case when customer_id is not null
            then 'online_retail:' || regexp_replace(trim(customer_id), '\.0+$', '') end
            as customer_id,
        cast(quantity as double) * cast(price as double) as amount,
        false as is_returned_status
    from bronze.online_retail_transactions
),

contoso_flat as (
    select
        'contoso' as source_system,
        currency_code as currency,
        'contoso:' || cast(order_key as varchar) as order_id,
        'contoso:' || cast(customer_key as varchar) as customer_id,
        cast(quantity as double) * cast(net_price as double) as amount,
        false as is_returned_status
    from bronze.contoso_sales
),

contoso_orders as (
    select
        'contoso' as source_system,
        o.currency_code as currency,
        'contoso:' || cast(r.order_key as varchar) as order_id,
        'contoso:' || cast(o.customer_key as varchar) as customer_id,
        cast(r.quantity as double) * cast(r.net_price as double) as amount,
        false as is_returned_status
    from bronze.contoso_orderrows as r
    left join bronze.contoso_orders as o on o.order_key = r.order_key
),

olist as (
    select
        'olist' as source_system,
        'BRL' as currency,
        'olist:' || i.order_id as order_id,
        'olist:' || o.customer_id as customer_id,
        cast(i.price as double) as amount,
        false as is_returned_status
    from bronze.olist_order_items as i
    left join bronze.olist_orders as o on o.order_id = i.order_id
),

shopmetrics_order as (
    select
        order_id,
        max(currency) as currency,
        max(customer_id) as customer_id,
        max(case when lower(status) = 'returned' then 1 else 0 end) as was_returned
    from bronze.shopmetrics_orders
    group by order_id
),

shopmetrics as (
    select
        'shopmetrics' as source_system,
        coalesce(o.currency, 'USD') as currency,
        'shopmetrics:' || i.order_id as order_id,
        'shopmetrics:' || o.customer_id as customer_id,
        cast(i.quantity as double) * cast(i.unit_price as double) as amount,
        coalesce(o.was_returned, 0) = 1 as is_returned_status
    from bronze.shopmetrics_order_items as i
    left join shopmetrics_order as o on o.order_id = i.order_id
),

crm as (
    select
        'crm' as source_system,
        'USD' as currency,
        'crm:' || cast(customer_id as varchar) || ':' || cast(order_date as varchar) as order_id,
        'crm:' || cast(customer_id as varchar) as customer_id,
        cast(total_price as double) as amount,
        false as is_returned_status
    from bronze.crm_sales
),

raw_rows as (
    select * from online_retail
    union all select * from contoso_flat
    union all select * from contoso_orders
    union all select * from olist
    union all select * from shopmetrics
    union all select * from crm
),

raw_kpis as (
    select
        source_system,
        currency,
        count(*) as raw_rows,
        count(distinct case when amount > 0 then order_id end) as raw_orders,
        count(distinct case when amount > 0 then customer_id end) as raw_customers,
        sum(case when amount > 0 then amount else 0 end) as raw_gmv,
        sum(case when amount < 0 then -amount when is_returned_status then amount else 0 end)
            as raw_returns
    from raw_rows
    group by source_system, currency
),

silver_kpis as (
    select
        source_system,
        currency,
        count(*) as silver_lines,
        count(distinct case when is_sale then order_id end) as silver_orders,
        count(distinct case when is_sale then customer_key end) as silver_customers,
        sum(gross_amount) as silver_gmv,
        sum(return_amount) as silver_returns,
        sum(gross_amount_eur) as silver_gmv_eur,
        sum(net_amount_eur) as silver_net_revenue_eur
    from silver.fact_order_line
    group by source_system, currency
),

joined as (
    select
        coalesce(r.source_system, s.source_system) as source_system,
        coalesce(r.currency, s.currency) as currency,
        coalesce(r.raw_rows, 0) as raw_rows,
        coalesce(r.raw_orders, 0) as raw_orders,
        coalesce(r.raw_customers, 0) as raw_customers,
        coalesce(r.raw_gmv, 0) as raw_gmv,
        coalesce(r.raw_returns, 0) as raw_returns,
        coalesce(s.silver_lines, 0) as silver_lines,
        coalesce(s.silver_orders, 0) as silver_orders,
        coalesce(s.silver_customers, 0) as silver_customers,
        coalesce(s.silver_gmv, 0) as silver_gmv,
        coalesce(s.silver_returns, 0) as silver_returns,
        coalesce(s.silver_gmv_eur, 0) as silver_gmv_eur,
        coalesce(s.silver_net_revenue_eur, 0) as silver_net_revenue_eur
    from raw_kpis as r
    full outer join silver_kpis as s
        on s.source_system = r.source_system and s.currency = r.currency
)

select
    source_system,
    currency,
    cast(raw_rows as bigint) as raw_rows,
    cast(silver_lines as bigint) as silver_lines,
    cast(raw_rows - silver_lines as bigint) as rows_removed,
    cast(raw_orders as bigint) as raw_orders,
    cast(silver_orders as bigint) as silver_orders,
    cast(raw_customers as bigint) as raw_customers,
    cast(silver_customers as bigint) as silver_customers,
    cast(round(raw_gmv, 2) as decimal(18, 2)) as raw_gmv_local,
    cast(silver_gmv as decimal(18, 2)) as silver_gmv_local,
    cast(round(raw_returns, 2) as decimal(18, 2)) as raw_returns_local,
    cast(silver_returns as decimal(18, 2)) as silver_returns_local,
    case when raw_orders > 0 then raw_gmv / raw_orders end as raw_aov_local,
    case when silver_orders > 0 then cast(silver_gmv as double) / silver_orders end
        as silver_aov_local,
    case when raw_gmv > 0 then raw_returns / raw_gmv end as raw_return_rate,
    case when silver_gmv > 0 then cast(silver_returns as double) / cast(silver_gmv as double) end
        as silver_return_rate,
    case when raw_gmv > 0 then cast(silver_gmv as double) / raw_gmv - 1 end as gmv_change_pct,
    case when raw_orders > 0 and silver_orders > 0
        then (cast(silver_gmv as double) / silver_orders) / (raw_gmv / raw_orders) - 1
    end as aov_change_pct,
    cast(silver_gmv_eur as decimal(18, 2)) as silver_gmv_eur,
    cast(silver_net_revenue_eur as decimal(18, 2)) as silver_net_revenue_eur
from joined
