ALTER SESSION SET QUERY_TAG = '{"app":"dbt-operator","project":"shop","schema":"old_marts","run":"run-2"}';
DROP SCHEMA IF EXISTS "ANALYTICS_DB"."OLD_MARTS" CASCADE;
