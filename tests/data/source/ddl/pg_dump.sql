--
-- PostgreSQL database dump
--
\restrict abc123
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

CREATE TYPE public.mood AS ENUM (
    'sad',
    'ok',
    'Happy'
);
ALTER TYPE public.mood OWNER TO postgres;

CREATE DOMAIN public.us_postal_code AS text
    CONSTRAINT us_postal_code_check CHECK ((VALUE ~ '^\d{5}$'::text));

CREATE FUNCTION public.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.updated_at := now();  -- a ; inside the body
  RETURN NEW;
END;
$$;

SET default_tablespace = '';

CREATE TABLE public."Order Items" (
    id integer NOT NULL,
    "orderId" bigint NOT NULL,
    "weird""name" character varying(20),
    "Mood" public.mood DEFAULT 'ok'::public.mood NOT NULL,
    zip public.us_postal_code,
    price numeric(10,2) DEFAULT 0.00 NOT NULL,
    created timestamp with time zone DEFAULT now() NOT NULL,
    flags bit varying(8),
    tags text[],
    CONSTRAINT "Order Items_price_check" CHECK ((price >= (0)::numeric)) NOT VALID
);

CREATE SEQUENCE public."Order Items_id_seq"
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public."Order Items_id_seq" OWNED BY public."Order Items".id;

CREATE TABLE public.orders (
    id bigint NOT NULL,
    customer_email text NOT NULL,
    placed_on date
);

ALTER TABLE public.orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.orders_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE SEQUENCE public.invoice_numbers START 1000;

CREATE VIEW public.big_orders AS
 SELECT id, price FROM public."Order Items" WHERE (price > (100)::numeric);

CREATE MATERIALIZED VIEW public.daily_totals AS
 SELECT placed_on, count(*) AS n FROM public.orders GROUP BY placed_on
  WITH NO DATA;

ALTER TABLE ONLY public."Order Items" ALTER COLUMN id SET DEFAULT nextval('public."Order Items_id_seq"'::regclass);

COPY public."Order Items" (id, "orderId", "weird""name", "Mood", zip, price, created, flags, tags) FROM stdin;
1	1	a;b	ok	12345	9.99	2024-01-01 00:00:00+00	\N	{x,y}
2	1	it's "quoted"; CREATE TABLE nope (x int);	sad	\N	1.00	2024-01-01 00:00:00+00	\N	\N
\.

COPY public.orders (id, customer_email, placed_on) FROM stdin;
1	a@example.com	2024-01-01
\.

ALTER TABLE ONLY public."Order Items"
    ADD CONSTRAINT "Order Items_pkey" PRIMARY KEY (id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_customer_email_key UNIQUE (customer_email);

CREATE UNIQUE INDEX "Order Items_orderId_weird_idx" ON public."Order Items" USING btree ("orderId", "weird""name");

CREATE INDEX order_items_created_idx ON public."Order Items" USING btree (created DESC);

CREATE INDEX order_items_lower_idx ON public."Order Items" USING btree (lower(("weird""name")::text));

CREATE TRIGGER order_items_touch BEFORE UPDATE ON public."Order Items" FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

ALTER TABLE ONLY public."Order Items"
    ADD CONSTRAINT "Order Items_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES public.orders(id) ON DELETE CASCADE;

ALTER TABLE public.orders OWNER TO app;

--
-- PostgreSQL database dump complete
--
\unrestrict abc123
