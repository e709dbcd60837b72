-- Contoso's own daily rates to EUR: the currencyexchange rows with ToCurrency = 'EUR'
-- (Exchange = EUR per 1 FromCurrency; EUR → EUR is 1). The other pairs are not needed (every
-- amount is converted to EUR) and are dropped by the rule not_to_eur. A rate delivered
-- again replaces the earlier one (rule superseded_rate for the older copy).
with currency_exchange as (
    select * from bronze.contoso_currencyexchange
    where _ingested_at > :since
),

ranked as (
    select
        *,
        row_number() over (
            partition by date, from_currency, to_currency
            order by _ingested_at desc, _source_file desc, _source_line desc
        ) as recency_rank
    from currency_exchange
)

select
    'contoso' as source_system,
    upper(trim(from_currency)) as currency,
    date as rate_date,
    cast(exchange as decimal(16, 12)) as rate_to_eur,
    'contoso:' || upper(trim(from_currency)) || ':' || cast(date as varchar) as fx_rate_key,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case
        when upper(trim(to_currency)) <> 'EUR' then 'not_to_eur'
        when recency_rank > 1 then 'superseded_rate'
    end as _drop_rule
from ranked
