-- A model whose input is far larger than the engine's memory limit: a sort-heavy window
-- and a join over every row.
with events as (
    select * from bronze.test_events
),

ranked as (
    select
        account,
        payload,
        row_number() over (partition by account order by payload desc) as position
    from events
)

select
    r.account,
    count(*) as events,
    max(length(r.payload)) as longest,
    sum(case when r.position = 1 then 1 else 0 end) as firsts
from ranked as r
inner join events as e on e.account = r.account and e.payload = r.payload
group by r.account
