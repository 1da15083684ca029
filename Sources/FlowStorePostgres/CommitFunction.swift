extension PostgresStore {
    /// SQLSTATE the commit function raises for a message id already stored; DETAIL is a JSON
    /// array of the ids.
    static let duplicateDeliveryState = "FG001"
    /// SQLSTATE the commit function raises for a state another process replaced first; DETAIL is
    /// a JSON array of the contacts.
    static let staleStateState = "FG002"

    /// The conversation log's table (see ``FlowStore/conversation(_:limit:)``).
    static let conversationLogTable = [
        """
        CREATE TABLE conversation_log (
            id BIGSERIAL PRIMARY KEY, contact TEXT NOT NULL, at BIGINT NOT NULL, direction TEXT NOT NULL,
            kind TEXT NOT NULL, text TEXT NOT NULL, template TEXT, ref TEXT, agent TEXT,
            status TEXT, status_rank BIGINT NOT NULL DEFAULT 0, status_at BIGINT, error TEXT
        )
        """,
        "CREATE INDEX conversation_log_contact ON conversation_log (contact, id)",
        "CREATE INDEX conversation_log_ref ON conversation_log (contact, ref) WHERE ref IS NOT NULL",
        "CREATE INDEX conversation_log_at ON conversation_log (at)",
    ]

    /// A whole commit in one statement, so a batch costs one round trip to the database instead of
    /// one per table: the function runs in the statement's own transaction, and an exception in it
    /// (a duplicate message id, a stale state) rolls all of it back. Returns every new outbox row
    /// with whether it went in claimed by `p_worker`.
    static let commitFunction = """
        CREATE OR REPLACE FUNCTION flowgate_commit(
            p_time BIGINT,
            p_seen_ids TEXT[], p_seen_ats BIGINT[],
            p_keys TEXT[], p_states BYTEA[], p_versions BIGINT[],
            p_fired_contacts TEXT[], p_fired_kinds TEXT[], p_fired_dues BIGINT[], p_fired_tokens BIGINT[],
            p_set_contacts TEXT[], p_set_kinds TEXT[], p_set_dues BIGINT[], p_set_tokens BIGINT[],
            p_cancel_contacts TEXT[], p_cancel_kinds TEXT[],
            p_out_contacts TEXT[], p_out_refs TEXT[], p_out_bodies BYTEA[],
            p_worker TEXT, p_claim_until BIGINT,
            p_letter_reasons TEXT[], p_letter_bodies BYTEA[],
            p_log_contacts TEXT[], p_log_ats BIGINT[], p_log_directions TEXT[], p_log_kinds TEXT[], p_log_texts TEXT[],
            p_log_templates TEXT[], p_log_refs TEXT[], p_log_agents TEXT[],
            p_status_contacts TEXT[], p_status_refs TEXT[], p_status_states TEXT[], p_status_ranks BIGINT[], p_status_ats BIGINT[],
            p_status_errors TEXT[]
        ) RETURNS TABLE (outbox_id BIGINT, claimed BOOLEAN) LANGUAGE plpgsql AS $$
        DECLARE
            v_missing TEXT[];
            v_held TEXT[] := '{}';
        BEGIN
            IF cardinality(p_seen_ids) > 0 THEN
                -- A concurrent commit of the same id makes this wait for it, then find the key taken.
                WITH inserted AS (
                    INSERT INTO seen (id, at) SELECT * FROM UNNEST(p_seen_ids, p_seen_ats)
                    ON CONFLICT (id) DO NOTHING RETURNING seen.id
                )
                SELECT array_agg(s.id) INTO v_missing FROM UNNEST(p_seen_ids) AS s (id)
                WHERE s.id NOT IN (SELECT inserted.id FROM inserted);
                IF v_missing IS NOT NULL THEN
                    RAISE EXCEPTION USING ERRCODE = '\(duplicateDeliveryState)', MESSAGE = 'already processed', DETAIL = array_to_json(v_missing)::text;
                END IF;
            END IF;
            IF cardinality(p_keys) > 0 THEN
                -- Each state replaces exactly the version it was computed from.
                WITH written AS (
                    INSERT INTO contacts AS c (key, state, updated_at, version)
                    SELECT s.key, s.state, p_time, s.version FROM UNNEST(p_keys, p_states, p_versions) AS s (key, state, version)
                    ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, version = excluded.version
                    WHERE c.version = excluded.version - 1
                    RETURNING c.key
                )
                SELECT array_agg(s.key) INTO v_missing FROM UNNEST(p_keys) AS s (key)
                WHERE s.key NOT IN (SELECT written.key FROM written);
                IF v_missing IS NOT NULL THEN
                    RAISE EXCEPTION USING ERRCODE = '\(staleStateState)', MESSAGE = 'changed meanwhile', DETAIL = array_to_json(v_missing)::text;
                END IF;
            END IF;
            IF cardinality(p_fired_contacts) > 0 THEN
                DELETE FROM timers t USING UNNEST(p_fired_contacts, p_fired_kinds, p_fired_dues, p_fired_tokens) AS f (contact, kind, due, token)
                WHERE t.contact = f.contact AND t.kind = f.kind AND t.due = f.due AND t.token = f.token;
            END IF;
            IF cardinality(p_set_contacts) > 0 THEN
                INSERT INTO timers AS t (contact, kind, due, token)
                SELECT * FROM UNNEST(p_set_contacts, p_set_kinds, p_set_dues, p_set_tokens)
                ON CONFLICT (contact, kind) DO UPDATE SET due = excluded.due, token = excluded.token, claimed_by = NULL, claim_until = 0;
            END IF;
            IF cardinality(p_cancel_contacts) > 0 THEN
                DELETE FROM timers t USING UNNEST(p_cancel_contacts, p_cancel_kinds) AS c (contact, kind)
                WHERE t.contact = c.contact AND t.kind = c.kind;
            END IF;
            IF cardinality(p_out_contacts) > 0 THEN
                IF p_worker IS NOT NULL THEN
                    -- A contact with pending messages this worker does not hold keeps its new ones
                    -- unclaimed, behind those, for whoever takes the contact over.
                    SELECT COALESCE(array_agg(DISTINCT o.contact), '{}') INTO v_held FROM outbox o
                    WHERE o.state = 'pending' AND o.contact = ANY(p_out_contacts) AND (o.claimed_by IS NULL OR o.claimed_by <> p_worker);
                    IF cardinality(v_held) > 0 THEN
                        PERFORM pg_notify('\(offersChannel)', 'unclaimed by ' || p_worker);
                    END IF;
                END IF;
                RETURN QUERY
                INSERT INTO outbox AS o (contact, ref, body, not_before, created_at, updated_at, claimed_by, claim_until)
                SELECT m.contact, m.ref, m.body, p_time, p_time, p_time,
                    CASE WHEN m.contact = ANY(v_held) THEN NULL ELSE p_worker END,
                    CASE WHEN m.contact = ANY(v_held) OR p_worker IS NULL THEN 0 ELSE p_claim_until END
                FROM UNNEST(p_out_contacts, p_out_refs, p_out_bodies) WITH ORDINALITY AS m (contact, ref, body, n)
                ORDER BY m.n
                RETURNING o.id, o.claimed_by IS NOT NULL;
            END IF;
            IF cardinality(p_letter_reasons) > 0 THEN
                INSERT INTO dead_letters (received_at, reason, body) SELECT p_time, l.reason, l.body
                FROM UNNEST(p_letter_reasons, p_letter_bodies) AS l (reason, body);
            END IF;
            IF cardinality(p_log_contacts) > 0 THEN
                INSERT INTO conversation_log (contact, at, direction, kind, text, template, ref, agent)
                SELECT l.contact, l.at, l.direction, l.kind, l.text, NULLIF(l.template, ''), NULLIF(l.ref, ''), NULLIF(l.agent, '')
                FROM UNNEST(p_log_contacts, p_log_ats, p_log_directions, p_log_kinds, p_log_texts, p_log_templates, p_log_refs, p_log_agents)
                    WITH ORDINALITY AS l (contact, at, direction, kind, text, template, ref, agent, n)
                ORDER BY l.n;
            END IF;
            IF cardinality(p_status_contacts) > 0 THEN
                -- Statuses arrive out of order: one only moves a message forward; a failure overrides all.
                UPDATE conversation_log c SET status = u.state, status_rank = u.rank, status_at = u.at, error = NULLIF(u.error, '')
                FROM UNNEST(p_status_contacts, p_status_refs, p_status_states, p_status_ranks, p_status_ats, p_status_errors)
                    AS u (contact, ref, state, rank, at, error)
                WHERE c.contact = u.contact AND c.ref = u.ref AND c.status_rank < u.rank;
            END IF;
        END
        $$
        """
}
