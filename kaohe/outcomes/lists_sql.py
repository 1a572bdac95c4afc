"""The eligibility rules (outcomes.rules) as one INSERT … SELECT, for PostgreSQL.

At city scale (300,000 cadres, three archived years) reading the archive into Python
and running `rules.person_entries` per person costs minutes on a busy machine; the
same rules over the same rows in one statement cost seconds. `rules.py` stays the
statement of the rules (and runs on SQLite); a test on PostgreSQL derives generated
years both ways and compares every entry (test_lists_sql.py). A change to a rule is
made in both, or that test fails.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from kaohe.outcomes.models import EligibilityEntry, YearRecord
from kaohe.outcomes.rules import ListPolicy, share_percent

_SQL = """
WITH cur AS (
  SELECT id, person_id, unit_id, tier, grade, rank_in_tier AS rnk, tier_size AS size,
         quarter_grades AS q
  FROM {records} WHERE region_id = %(region)s AND year = %(year)s
),
hist AS (
  SELECT h.person_id, MIN(h.year) AS first_year,
         COUNT(*) FILTER (WHERE h.grade = 'excellent') AS ex_total,
         COUNT(*) FILTER (WHERE h.grade IN ('excellent', 'competent')) AS counted,
         array_agg(h.year) FILTER (WHERE h.grade = 'excellent' AND h.year >= %(since)s)
           AS recent
  FROM {records} h
  WHERE h.region_id = %(region)s AND h.year <= %(year)s
    AND h.person_id IN (SELECT person_id FROM cur)
  GROUP BY h.person_id
),
runs AS (
  SELECT person_id, COUNT(*) AS run FROM (
    SELECT e.person_id, e.year,
           ROW_NUMBER() OVER (PARTITION BY e.person_id ORDER BY e.year DESC) AS rn
    FROM {records} e
    WHERE e.region_id = %(region)s AND e.year <= %(year)s AND e.grade = 'excellent'
      AND e.person_id IN (SELECT person_id FROM cur)
  ) x WHERE x.year + x.rn = %(year)s + 1
  GROUP BY person_id
),
b AS MATERIALIZED (
  SELECT c.id, c.person_id, c.unit_id, c.tier, c.grade, c.rnk, c.size,
         h.first_year, h.ex_total, h.counted, h.recent, COALESCE(r.run, 0) AS run,
         qc.good, qc.average, qc.poor, qc.n,
         (c.rnk > 0 AND c.size IS NOT NULL AND c.rnk <= c.size * %(p_share)s) AS top_p,
         (c.rnk > 0 AND c.size IS NOT NULL AND c.rnk <= c.size * %(a_share)s) AS top_a
  FROM cur c
  JOIN hist h ON h.person_id = c.person_id
  LEFT JOIN runs r ON r.person_id = c.person_id
  CROSS JOIN LATERAL (
    SELECT COUNT(*) FILTER (WHERE v = 'good') AS good,
           COUNT(*) FILTER (WHERE v = 'average') AS average,
           COUNT(*) FILTER (WHERE v = 'poor') AS poor,
           COUNT(*) AS n
    FROM jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(c.q) = 'array' THEN c.q ELSE '[]'::jsonb END) v
  ) qc
)
INSERT INTO {entries} (region_id, year, kind, person_id, record_id, unit_id, tier,
                       rank_in_tier, figure, reasons)
SELECT %(region)s, %(year)s, kind, person_id, id, unit_id, tier, rnk, figure, reasons
FROM (
  SELECT 'promotion' AS kind, person_id, id, unit_id, tier, rnk,
         COALESCE(cardinality(recent), 0) AS figure,
         (CASE WHEN top_p THEN jsonb_build_array(jsonb_build_array(
                 'top_share', %(year)s, rnk, size, %(p_pct)s)) ELSE '[]'::jsonb END)
         || (CASE WHEN recent IS NOT NULL THEN jsonb_build_array(
                 jsonb_build_array('excellent_recent', %(since)s, %(year)s)
                 || (SELECT jsonb_agg(v ORDER BY v) FROM unnest(recent) v))
             ELSE '[]'::jsonb END) AS reasons
  FROM b WHERE top_p OR recent IS NOT NULL
  UNION ALL
  SELECT 'award', person_id, id, unit_id, tier, rnk, 0,
         jsonb_build_array(jsonb_build_array('top_share', %(year)s, rnk, size, %(a_pct)s))
  FROM b WHERE top_a
  UNION ALL
  SELECT 'commendation', person_id, id, unit_id, tier, rnk, 0,
         jsonb_build_array(jsonb_build_array('excellent_year', %(year)s))
  FROM b WHERE grade = 'excellent'
  UNION ALL
  SELECT 'merit', person_id, id, unit_id, tier, rnk, run,
         jsonb_build_array(jsonb_build_array(
           'excellent_run', run, %(year)s - run + 1, %(year)s, %(needed)s))
  FROM b WHERE run > 0 AND run %% %(needed)s = 0
  UNION ALL
  SELECT 'tenure', person_id, id, unit_id, tier, rnk, ex_total * %(months)s,
         jsonb_build_array(jsonb_build_array(
           'tenure', ex_total, ex_total * %(months)s, first_year, %(year)s, %(months)s))
  FROM b WHERE ex_total > 0
  UNION ALL
  SELECT 'pay', person_id, id, unit_id, tier, rnk, counted,
         jsonb_build_array(jsonb_build_array(
           'pay', counted, first_year, %(year)s, %(step)s, %(level)s,
           (COALESCE(counted %% NULLIF(%(step)s, 0) = 0, false))::int,
           (COALESCE(counted %% NULLIF(%(level)s, 0) = 0, false))::int))
  FROM b WHERE grade IN ('excellent', 'competent')
    AND (counted %% NULLIF(%(step)s, 0) = 0 OR counted %% NULLIF(%(level)s, 0) = 0)
  UNION ALL
  SELECT 'priority', person_id, id, unit_id, tier, rnk, 4,
         jsonb_build_array(jsonb_build_array('all_good', %(year)s))
  FROM b WHERE n = 4 AND good = 4
  UNION ALL
  SELECT 'prospect', person_id, id, unit_id, tier, rnk, good,
         jsonb_build_array(jsonb_build_array('prospect', %(year)s, good, %(prospect)s))
  FROM b WHERE %(prospect)s > 0 AND good >= %(prospect)s
  UNION ALL
  SELECT 'training', person_id, id, unit_id, tier, rnk, average + poor,
         jsonb_build_array(jsonb_build_array('below_par', %(year)s, average, poor))
  FROM b WHERE average + poor > 0
  UNION ALL
  SELECT 'bonus_cut', person_id, id, unit_id, tier, rnk,
         CASE WHEN grade IN ('basic', 'incompetent') THEN 100
              ELSE LEAST(100, (average + poor) * %(cut)s) END,
         CASE WHEN grade IN ('basic', 'incompetent')
              THEN jsonb_build_array(jsonb_build_array('no_bonus', %(year)s))
              ELSE jsonb_build_array(jsonb_build_array('bonus_cut', %(year)s, average + poor,
                     %(cut)s, LEAST(100, (average + poor) * %(cut)s))) END
  FROM b WHERE grade IN ('basic', 'incompetent') OR (average + poor > 0 AND %(cut)s > 0)
) entries
"""


def derive_in_sql(region_id: int, year: int, policy: ListPolicy) -> int:
    """Write the year's entries in one statement (the year's old entries already gone);
    returns how many."""
    params: dict[str, Any] = {
        "region": region_id,
        "year": year,
        "since": year - policy.promotion_excellent_years + 1,
        "p_share": policy.promotion_top_share,
        "a_share": policy.award_top_share,
        "p_pct": share_percent(policy.promotion_top_share),
        "a_pct": share_percent(policy.award_top_share),
        "needed": max(policy.merit_excellent_years, 1),
        "months": policy.tenure_cut_months,
        "step": policy.pay_step_years,
        "level": policy.pay_level_years,
        "prospect": policy.prospect_good_quarters,
        "cut": policy.bonus_cut_percent,
    }
    sql = _SQL.format(records=YearRecord._meta.db_table, entries=EligibilityEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
