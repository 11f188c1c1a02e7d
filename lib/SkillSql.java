import java.util.List;

/**
 * Every SQL statement of the tool; values are always bound. Most statements run unchanged on PostgreSQL and SQLite
 * (both take {@code insert ... on conflict}, {@code cast(... as text)} and {@code substr}). What differs: the schema
 * and its presence check (one constant per database), the advisory locks (PostgreSQL only), and the statements in
 * {@link Dialected}, built once per database from one text, which differ in how a skill's fingerprint is read (row
 * versions on PostgreSQL, a change counter on SQLite) and how a JSON array of paths becomes rows.
 * The service owns skills, skill_files and their neighbours; this tool adds skill_fleet_skill_meta on both
 * databases and, on SQLite, skill_fleet_changes with the triggers that keep its counter, and the full-text index find
 * reads (skill_fleet_search, skill_fleet_search_pending and their triggers).
 */
final class SkillSql {
    private SkillSql() {
    }

    /** Tables the tool reads or writes; when all exist the schema step is skipped. */
    static final List<String> TABLES = List.of("skills", "skill_files", "skill_keywords", "skill_tags",
            "skill_allowed_tools", "capabilities", "taxonomy_categories", "skill_categories", "skill_dependencies",
            "skill_references", "taxonomy_closure", "dependency_closure", "skill_aliases", "skill_fleet_skill_meta");

    /**
     * The tool's history of replaced versions. Kept apart from {@link #TABLES}: a read-only run (--dry-run, list)
     * against a database an earlier version made still reads its skills; the next run that writes creates these.
     */
    static final List<String> HISTORY_TABLES = List.of("skill_fleet_versions", "skill_fleet_version_files",
            "skill_fleet_version_lists", "skill_fleet_blobs");

    /** Every table the schema step creates (PostgreSQL): it runs while one is missing. */
    static final List<String> SCHEMA_TABLES = java.util.stream.Stream.concat(TABLES.stream(),
            HISTORY_TABLES.stream()).toList();

    /** The lists the fingerprint covers besides the skills row and its files: table, and a stem for trigger names. */
    private static final List<List<String>> FINGERPRINTED_LISTS = List.of(List.of("skill_keywords", "keyword"),
            List.of("skill_tags", "tag"), List.of("skill_allowed_tools", "tool"));

    /** SQLite's change counter for a list table: %1$s is the table, %2$s the trigger names' stem. */
    private static final List<String> LIST_TRIGGERS = List.of(
            """
            create trigger if not exists skill_fleet_%2$s_added after insert on %1$s
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (new.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id = new.skill_id;
            end
            """,
            """
            create trigger if not exists skill_fleet_%2$s_changed after update on %1$s
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (new.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id in (old.skill_id, new.skill_id);
            end
            """,
            """
            create trigger if not exists skill_fleet_%2$s_removed after delete on %1$s
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (old.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id = old.skill_id;
            end
            """);

    private static List<String> listTriggers() {
        return FINGERPRINTED_LISTS.stream().flatMap(t -> LIST_TRIGGERS.stream().map(ddl -> ddl.formatted(t.get(0),
                t.get(1)))).toList();
    }

    private static List<String> listTriggerNames() {
        return FINGERPRINTED_LISTS.stream().flatMap(t -> java.util.stream.Stream.of("added", "changed", "removed")
                .map(change -> "skill_fleet_" + t.get(1) + "_" + change)).toList();
    }

    static final String COUNT_TABLES_POSTGRES = """
            select count(*)
              from information_schema.tables
             where table_schema = current_schema()
               and table_name in (%s)
            """.formatted(placeholders(TABLES.size()));

    static final String COUNT_SCHEMA_TABLES_POSTGRES = """
            select count(*)
              from information_schema.tables
             where table_schema = current_schema()
               and table_name in (%s)
            """.formatted(placeholders(SCHEMA_TABLES.size()));

    static final String COUNT_HISTORY_TABLES_POSTGRES = """
            select count(*)
              from information_schema.tables
             where table_schema = current_schema()
               and table_name in (%s)
            """.formatted(placeholders(HISTORY_TABLES.size()));

    static final String COUNT_HISTORY_TABLES_SQLITE = """
            select count(*)
              from sqlite_master
             where type = 'table'
               and name in (%s)
            """.formatted(placeholders(HISTORY_TABLES.size()));

    static final String COUNT_TABLES_SQLITE = """
            select count(*)
              from sqlite_master
             where type = 'table'
               and name in (%s)
            """.formatted(placeholders(TABLES.size()));

    /** SQLite's full-text index, and the table and triggers noting what it lacks (see {@link #SQLITE_SEARCH}). */
    static final List<String> SQLITE_SEARCH_OBJECTS = List.of("skill_fleet_search", "skill_fleet_search_pending",
            "skill_fleet_search_added", "skill_fleet_search_changed", "skill_fleet_search_removed");

    /**
     * SQLite's whole schema: the tables, the triggers that keep the change counter the fingerprint reads, and the
     * search index with its triggers.
     */
    static final List<String> SQLITE_OBJECTS = java.util.stream.Stream.of(SCHEMA_TABLES, List.of("skill_fleet_changes",
            "skill_fleet_skill_changed", "skill_fleet_file_added", "skill_fleet_file_changed",
            "skill_fleet_file_removed"), listTriggerNames(), SQLITE_SEARCH_OBJECTS).flatMap(List::stream).toList();

    static final String COUNT_SCHEMA_SQLITE = """
            select count(*)
              from sqlite_master
             where type in ('table', 'trigger')
               and name in (%s)
            """.formatted(placeholders(SQLITE_OBJECTS.size()));

    static final String COUNT_SEARCH_SQLITE = """
            select count(*)
              from sqlite_master
             where type in ('table', 'trigger')
               and name in (%s)
            """.formatted(placeholders(SQLITE_SEARCH_OBJECTS.size()));

    /** Whether one table is there: find needs only skills (on PostgreSQL, a service database this tool never wrote). */
    static final String COUNT_TABLE_POSTGRES = """
            select count(*)
              from information_schema.tables
             where table_schema = current_schema()
               and table_name = ?
            """;

    static final String COUNT_TABLE_SQLITE = """
            select count(*)
              from sqlite_master
             where type = 'table'
               and name = ?
            """;

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /**
     * What doctor reads of the server: its version (as a number too), the port it listens on (behind a pooler or a
     * port mapping not the one connected to), the schema the tool works in, and whether this role may create tables
     * there (a schema step still to run needs it).
     */
    static final String SELECT_SERVER_POSTGRES = """
            select current_setting('server_version'), cast(current_setting('server_version_num') as integer),
                   inet_server_port(), current_schema(),
                   coalesce(has_schema_privilege(current_schema(), 'CREATE'), false), current_user
            """;

    /** A SQLite connection that refuses every write, for doctor. */
    static final String QUERY_ONLY_SQLITE = """
            pragma query_only = true
            """;

    static final String SELECT_SERVER_SQLITE = """
            select sqlite_version()
            """;

    /**
     * Every column of the tables in the tool's schema, for doctor to compare with what the tool's statements need:
     * table, column, type as PostgreSQL writes it, and an enum type's labels in order (null for other types).
     */
    static final String SELECT_COLUMNS_POSTGRES = """
            select c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   (select string_agg(e.enumlabel, ',' order by e.enumsortorder)
                      from pg_enum e
                     where e.enumtypid = a.atttypid) as labels
              from pg_attribute a
              join pg_class c on c.oid = a.attrelid
             where c.relnamespace = cast(current_schema() as regnamespace)
               and c.relkind in ('r', 'p')
               and a.attnum > 0
               and not a.attisdropped
             order by c.relname, a.attnum
            """;

    static final String SELECT_COLUMNS_SQLITE = """
            select m.name, p.name, p.type, null as labels
              from sqlite_master m
              join pragma_table_info(m.name) p
             where m.type = 'table'
             order by m.name, p.cid
            """;

    static final String LOCK_SCHEMA = """
            select pg_advisory_xact_lock(7366231880812345001)
            """;

    /** Serialises the write phase of concurrent runs against one database; released at commit or rollback. */
    static final String LOCK_SYNC = """
            select pg_advisory_xact_lock(7366231880812345002)
            """;

    /**
     * The service's tables as its migration defines them (types, CHECKs, defaults, the last_modified trigger, the
     * generated search vector and its index), created only where absent, plus this tool's own bookkeeping table.
     * SchemaDriftTest keeps this in agreement with tests/fixtures/service-schema.sql.
     */
    static final List<String> POSTGRES_SCHEMA = List.of(
            """
            do $$
            begin
              if to_regtype('skill_status_enum') is null then
                create type skill_status_enum as enum ('draft', 'active', 'deprecated', 'archived');
              end if;
              if to_regtype('skill_type_enum') is null then
                create type skill_type_enum as enum ('cognitive', 'technical', 'domain', 'tool', 'mcp',
                  'specialization', 'task_focus', 'memory');
              end if;
              if to_regtype('skill_weight_enum') is null then
                create type skill_weight_enum as enum ('lightweight', 'medium', 'heavyweight');
              end if;
              if to_regtype('load_priority_enum') is null then
                create type load_priority_enum as enum ('always', 'task_specific', 'on_demand', 'dormant');
              end if;
              if to_regtype('skill_style_enum') is null then
                create type skill_style_enum as enum ('navigation_hub', 'comprehensive', 'minimal');
              end if;
              if to_regtype('dependency_type_enum') is null then
                create type dependency_type_enum as enum ('required', 'recommended', 'conflict');
              end if;
              if to_regtype('file_type_enum') is null then
                create type file_type_enum as enum ('reference', 'guide', 'template', 'script', 'example',
                  'asset', 'test');
              end if;
            end
            $$
            """,
            """
            create table if not exists skills (
              skill_id serial primary key,
              skill_path varchar(512) not null unique,
              name varchar(64) not null,
              description text not null,
              version varchar(20) not null default '1.0.0',
              parent_version_id integer references skills(skill_id),
              type skill_type_enum not null,
              weight skill_weight_enum not null default 'medium',
              load_priority load_priority_enum not null default 'task_specific',
              status skill_status_enum not null default 'draft',
              skill_style skill_style_enum,
              skill_content text not null,
              scope text,
              created_at timestamptz not null default now(),
              last_modified timestamptz not null default now(),
              published_at timestamptz,
              change_summary text,
              integrity_hash varchar(64),
              performance_stats jsonb default '{}',
              search_vector tsvector generated always as (
                setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
                setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
                setweight(to_tsvector('english', coalesce(skill_content, '')), 'C')
              ) stored,
              constraint skill_path_format check (skill_path ~ '^[a-z0-9_-]+(?:/[a-z0-9_-]+)*$'),
              constraint name_kebab_case check (name ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
              constraint version_format check (version ~ '^\\d+\\.\\d+\\.\\d+$'),
              constraint valid_parent_version check (parent_version_id is null or parent_version_id != skill_id)
            )
            """,
            """
            create index if not exists idx_skills_search on skills using gin (search_vector)
            """,
            """
            create or replace function update_last_modified() returns trigger as $$
            begin
              new.last_modified = now();
              return new;
            end;
            $$ language plpgsql
            """,
            """
            do $$
            begin
              if not exists (select 1 from pg_trigger where tgname = 'trigger_skills_last_modified') then
                create trigger trigger_skills_last_modified before update on skills
                  for each row execute function update_last_modified();
              end if;
            end
            $$
            """,
            """
            create table if not exists taxonomy_categories (
              category_id serial primary key,
              path varchar(512) not null unique,
              name varchar(128) not null,
              description text,
              parent_id integer references taxonomy_categories(category_id),
              level integer not null default 0,
              sort_order integer default 0,
              created_at timestamptz not null default now(),
              constraint category_no_loop check (parent_id is null or parent_id != category_id)
            )
            """,
            """
            create table if not exists taxonomy_closure (
              ancestor_id integer not null references taxonomy_categories(category_id) on delete cascade,
              descendant_id integer not null references taxonomy_categories(category_id) on delete cascade,
              depth integer not null,
              primary key (ancestor_id, descendant_id)
            )
            """,
            """
            create index if not exists idx_taxonomy_closure_ancestor on taxonomy_closure(ancestor_id)
            """,
            """
            create index if not exists idx_taxonomy_closure_descendant on taxonomy_closure(descendant_id)
            """,
            """
            create index if not exists idx_taxonomy_closure_depth on taxonomy_closure(depth)
            """,
            """
            create table if not exists skill_aliases (
              alias_id serial primary key,
              skill_id integer not null references skills(skill_id) on delete cascade,
              alias_path varchar(512) not null,
              reason text,
              created_at timestamptz not null default now(),
              unique (skill_id, alias_path),
              constraint alias_path_format check (alias_path ~ '^[a-z0-9_.-]+(?:/[a-z0-9_.-]+)*$')
            )
            """,
            """
            create index if not exists idx_skill_aliases_path on skill_aliases(alias_path)
            """,
            """
            create index if not exists idx_skill_aliases_skill on skill_aliases(skill_id)
            """,
            """
            create table if not exists skill_categories (
              skill_id integer not null references skills(skill_id) on delete cascade,
              category_id integer not null references taxonomy_categories(category_id) on delete cascade,
              is_primary boolean not null default false,
              created_at timestamptz not null default now(),
              primary key (skill_id, category_id)
            )
            """,
            """
            create table if not exists capabilities (
              capability_id serial primary key,
              skill_id integer not null references skills(skill_id) on delete cascade,
              name varchar(128) not null,
              description text not null,
              test_criteria text,
              sort_order integer default 0,
              created_at timestamptz not null default now(),
              unique (skill_id, name)
            )
            """,
            """
            create table if not exists skill_dependencies (
              dependency_id serial primary key,
              dependent_id integer not null references skills(skill_id) on delete cascade,
              dependency_skill_id integer not null references skills(skill_id) on delete cascade,
              dependency_type dependency_type_enum not null,
              justification text,
              created_at timestamptz not null default now(),
              unique (dependent_id, dependency_skill_id),
              constraint no_self_dependency check (dependent_id != dependency_skill_id)
            )
            """,
            """
            create table if not exists dependency_closure (
              ancestor_id integer not null references skills(skill_id),
              descendant_id integer not null references skills(skill_id),
              min_depth integer not null,
              dependency_types text[],
              primary key (ancestor_id, descendant_id)
            )
            """,
            """
            create index if not exists idx_dependency_closure_ancestor on dependency_closure(ancestor_id)
            """,
            """
            create index if not exists idx_dependency_closure_descendant on dependency_closure(descendant_id)
            """,
            """
            create table if not exists skill_references (
              source_skill_id integer not null references skills(skill_id) on delete cascade,
              target_skill_id integer not null references skills(skill_id) on delete cascade,
              reference_type varchar(32) not null default 'see_also',
              created_at timestamptz not null default now(),
              primary key (source_skill_id, target_skill_id),
              constraint no_self_reference check (source_skill_id != target_skill_id)
            )
            """,
            """
            create table if not exists skill_keywords (
              skill_id integer not null references skills(skill_id) on delete cascade,
              keyword varchar(128) not null,
              weight float default 1.0,
              created_at timestamptz not null default now(),
              primary key (skill_id, keyword)
            )
            """,
            """
            create table if not exists skill_tags (
              skill_id integer not null references skills(skill_id) on delete cascade,
              tag varchar(64) not null,
              created_at timestamptz not null default now(),
              primary key (skill_id, tag)
            )
            """,
            """
            create table if not exists skill_files (
              file_id serial primary key,
              skill_id integer not null references skills(skill_id) on delete cascade,
              file_type file_type_enum not null,
              relative_path varchar(512) not null,
              filename varchar(256) not null,
              content text,
              binary_data bytea,
              file_size_bytes integer,
              checksum varchar(64),
              description text,
              sort_order integer default 0,
              created_at timestamptz not null default now(),
              updated_at timestamptz not null default now(),
              unique (skill_id, relative_path)
            )
            """,
            """
            create table if not exists skill_allowed_tools (
              skill_id integer not null references skills(skill_id) on delete cascade,
              tool_name varchar(64) not null,
              required boolean not null default false,
              description text,
              created_at timestamptz not null default now(),
              primary key (skill_id, tool_name)
            )
            """,
            SkillSql.CREATE_META_TABLE,
            """
            create table if not exists skill_fleet_versions (
              version_id bigserial primary key,
              skill_id integer not null,
              skill_path varchar(512) not null,
              content_hash varchar(64) not null,
              name varchar(64),
              description text,
              version varchar(20),
              type text,
              weight text,
              load_priority text,
              status text,
              skill_style text,
              scope text,
              skill_content text not null,
              frontmatter text,
              license text,
              executable_paths text,
              modified_at timestamptz,
              replaced_at timestamptz not null default now(),
              command text not null,
              host text not null,
              os_user text not null,
              reason text not null,
              kept_by varchar(36) not null
            )
            """,
            """
            create index if not exists skill_fleet_versions_skill on skill_fleet_versions (skill_id)
            """,
            """
            create index if not exists skill_fleet_versions_path on skill_fleet_versions (skill_path)
            """,
            """
            create index if not exists skill_fleet_versions_kept_by on skill_fleet_versions (kept_by)
            """,
            """
            create table if not exists skill_fleet_version_files (
              version_id bigint not null references skill_fleet_versions(version_id) on delete cascade,
              relative_path varchar(512) not null,
              sha256 varchar(64) not null,
              size bigint not null,
              primary key (version_id, relative_path)
            )
            """,
            """
            create table if not exists skill_fleet_version_lists (
              version_id bigint not null references skill_fleet_versions(version_id) on delete cascade,
              list varchar(16) not null,
              value text not null,
              primary key (version_id, list, value)
            )
            """,
            """
            create table if not exists skill_fleet_blobs (
              sha256 varchar(64) primary key,
              content text,
              binary_data bytea
            )
            """);

    /**
     * This tool's bookkeeping, one row per skill it wrote: the verbatim frontmatter block (the service keeps only
     * the body in skill_content), the license, which files are executable, and the hash of what it wrote.
     */
    static final String CREATE_META_TABLE = """
            create table if not exists skill_fleet_skill_meta (
              skill_id integer primary key references skills(skill_id) on delete cascade,
              frontmatter text not null,
              license text,
              executable_paths text not null default '',
              content_hash varchar(64) not null,
              fingerprint text,
              written_at timestamp not null default current_timestamp
            )
            """;

    /**
     * SQLite's stand-in for PostgreSQL's search_vector: an FTS5 table of each skill's name, description and body,
     * rowid = skill_id, with the Porter stemmer (the search vector's 'english' configuration stems too). It keeps its
     * own copy of the text rather than reading skills' (external content): an external-content index is corrupted by
     * a delete that does not name exactly the text indexed; deleting by rowid cannot be wrong.
     * Indexing is deferred: the triggers on skills, which see every write (the tool's or anyone's through SQL), only
     * note the skill in skill_fleet_search_pending, and find indexes the noted skills ({@link #REFRESH_SEARCH}) before
     * it searches. Indexing as the rows are written made an export of text-heavy skills several times slower. The
     * update trigger lists its columns, so the last_modified trigger's own update does not fire it; an insert or
     * replace into skills fires no delete trigger, but the insert notes the same skill_id. The last two statements
     * run whenever the schema step does: the index starts afresh and every skill is noted, so a database made before
     * the index, or one whose triggers were dropped, is indexed in full by the next find.
     */
    static final List<String> SQLITE_SEARCH = List.of(
            """
            create virtual table if not exists skill_fleet_search using fts5 (
              name, description, skill_content,
              tokenize = 'porter unicode61 remove_diacritics 2'
            )
            """,
            """
            create table if not exists skill_fleet_search_pending (
              skill_id integer primary key
            )
            """,
            """
            create trigger if not exists skill_fleet_search_added after insert on skills
            begin
              insert or ignore into skill_fleet_search_pending (skill_id) values (new.skill_id);
            end
            """,
            """
            create trigger if not exists skill_fleet_search_changed
            after update of skill_id, name, description, skill_content on skills
            begin
              insert or ignore into skill_fleet_search_pending (skill_id) values (old.skill_id), (new.skill_id);
            end
            """,
            """
            create trigger if not exists skill_fleet_search_removed after delete on skills
            begin
              insert or ignore into skill_fleet_search_pending (skill_id) values (old.skill_id);
            end
            """,
            """
            delete from skill_fleet_search
            """,
            """
            insert or ignore into skill_fleet_search_pending (skill_id)
            select skill_id from skills
            """);

    /** Whether any skill waits to be (re-)indexed. */
    static final String SELECT_SEARCH_PENDING = """
            select exists (select 1 from skill_fleet_search_pending)
            """;

    /**
     * Brings the noted skills' entries in the search index up to date, in one transaction (the tool begins SQLite
     * transactions IMMEDIATE, so a concurrent writer waits rather than slipping a note in between): a removed skill's
     * entry goes, a changed one's is replaced.
     */
    static final List<String> REFRESH_SEARCH = List.of(
            """
            delete from skill_fleet_search
             where rowid in (select skill_id from skill_fleet_search_pending)
            """,
            """
            insert into skill_fleet_search (rowid, name, description, skill_content)
            select s.skill_id, s.name, s.description, s.skill_content
              from skills s
              join skill_fleet_search_pending p on p.skill_id = s.skill_id
            """,
            """
            delete from skill_fleet_search_pending
            """);

    /** The same tables for SQLite: enums become CHECKed text, timestamps text, bytea a blob; then the search index. */
    static final List<String> SQLITE_SCHEMA = java.util.stream.Stream.of(sqliteTables(), listTriggers(),
            SQLITE_SEARCH).flatMap(List::stream).toList();

    private static List<String> sqliteTables() {
        return List.of(
            """
            create table if not exists skills (
              skill_id integer primary key autoincrement,
              skill_path varchar(512) not null unique
                check (skill_path not glob '*[^a-z0-9_/-]*' and skill_path not like '/%'
                       and skill_path not like '%/' and skill_path not like '%//%' and skill_path <> ''),
              name varchar(64) not null check (length(name) <= 64),
              description text not null,
              version varchar(20) not null default '1.0.0' check (version glob '[0-9]*.[0-9]*.[0-9]*'),
              parent_version_id integer references skills(skill_id),
              type text not null check (type in ('cognitive', 'technical', 'domain', 'tool', 'mcp',
                'specialization', 'task_focus', 'memory')),
              weight text not null default 'medium' check (weight in ('lightweight', 'medium', 'heavyweight')),
              load_priority text not null default 'task_specific'
                check (load_priority in ('always', 'task_specific', 'on_demand', 'dormant')),
              status text not null default 'draft' check (status in ('draft', 'active', 'deprecated', 'archived')),
              skill_style text check (skill_style in ('navigation_hub', 'comprehensive', 'minimal')),
              skill_content text not null,
              scope text,
              created_at text not null default current_timestamp,
              last_modified text not null default current_timestamp,
              published_at text,
              change_summary text,
              integrity_hash varchar(64),
              performance_stats text default '{}'
            )
            """,
            """
            create trigger if not exists trigger_skills_last_modified after update on skills
            for each row when new.last_modified = old.last_modified
            begin
              update skills set last_modified = current_timestamp where skill_id = new.skill_id;
            end
            """,
            """
            create table if not exists taxonomy_categories (
              category_id integer primary key autoincrement,
              path varchar(512) not null unique,
              name varchar(128) not null,
              description text,
              parent_id integer references taxonomy_categories(category_id),
              level integer not null default 0,
              sort_order integer default 0,
              created_at text not null default current_timestamp
            )
            """,
            """
            create table if not exists taxonomy_closure (
              ancestor_id integer not null references taxonomy_categories(category_id) on delete cascade,
              descendant_id integer not null references taxonomy_categories(category_id) on delete cascade,
              depth integer not null,
              primary key (ancestor_id, descendant_id)
            )
            """,
            """
            create index if not exists idx_taxonomy_closure_ancestor on taxonomy_closure(ancestor_id)
            """,
            """
            create index if not exists idx_taxonomy_closure_descendant on taxonomy_closure(descendant_id)
            """,
            """
            create index if not exists idx_taxonomy_closure_depth on taxonomy_closure(depth)
            """,
            """
            create table if not exists skill_aliases (
              alias_id integer primary key autoincrement,
              skill_id integer not null references skills(skill_id) on delete cascade,
              alias_path varchar(512) not null
                check (alias_path not glob '*[^a-z0-9_./-]*' and alias_path not like '/%'
                       and alias_path not like '%/' and alias_path not like '%//%' and alias_path <> ''),
              reason text,
              created_at text not null default current_timestamp,
              unique (skill_id, alias_path)
            )
            """,
            """
            create index if not exists idx_skill_aliases_path on skill_aliases(alias_path)
            """,
            """
            create index if not exists idx_skill_aliases_skill on skill_aliases(skill_id)
            """,
            """
            create table if not exists skill_categories (
              skill_id integer not null references skills(skill_id) on delete cascade,
              category_id integer not null references taxonomy_categories(category_id) on delete cascade,
              is_primary boolean not null default false,
              created_at text not null default current_timestamp,
              primary key (skill_id, category_id)
            )
            """,
            """
            create table if not exists capabilities (
              capability_id integer primary key autoincrement,
              skill_id integer not null references skills(skill_id) on delete cascade,
              name varchar(128) not null,
              description text not null,
              test_criteria text,
              sort_order integer default 0,
              created_at text not null default current_timestamp,
              unique (skill_id, name)
            )
            """,
            """
            create table if not exists skill_dependencies (
              dependency_id integer primary key autoincrement,
              dependent_id integer not null references skills(skill_id) on delete cascade,
              dependency_skill_id integer not null references skills(skill_id) on delete cascade,
              dependency_type text not null check (dependency_type in ('required', 'recommended', 'conflict')),
              justification text,
              created_at text not null default current_timestamp,
              unique (dependent_id, dependency_skill_id),
              check (dependent_id != dependency_skill_id)
            )
            """,
            """
            create table if not exists dependency_closure (
              ancestor_id integer not null references skills(skill_id),
              descendant_id integer not null references skills(skill_id),
              min_depth integer not null,
              dependency_types text,
              primary key (ancestor_id, descendant_id)
            )
            """,
            """
            create index if not exists idx_dependency_closure_ancestor on dependency_closure(ancestor_id)
            """,
            """
            create index if not exists idx_dependency_closure_descendant on dependency_closure(descendant_id)
            """,
            """
            create table if not exists skill_references (
              source_skill_id integer not null references skills(skill_id) on delete cascade,
              target_skill_id integer not null references skills(skill_id) on delete cascade,
              reference_type varchar(32) not null default 'see_also',
              created_at text not null default current_timestamp,
              primary key (source_skill_id, target_skill_id),
              check (source_skill_id != target_skill_id)
            )
            """,
            """
            create table if not exists skill_keywords (
              skill_id integer not null references skills(skill_id) on delete cascade,
              keyword varchar(128) not null,
              weight float default 1.0,
              created_at text not null default current_timestamp,
              primary key (skill_id, keyword)
            )
            """,
            """
            create table if not exists skill_tags (
              skill_id integer not null references skills(skill_id) on delete cascade,
              tag varchar(64) not null,
              created_at text not null default current_timestamp,
              primary key (skill_id, tag)
            )
            """,
            """
            create table if not exists skill_files (
              file_id integer primary key autoincrement,
              skill_id integer not null references skills(skill_id) on delete cascade,
              file_type text not null check (file_type in ('reference', 'guide', 'template', 'script', 'example',
                'asset', 'test')),
              relative_path varchar(512) not null,
              filename varchar(256) not null,
              content text,
              binary_data blob,
              file_size_bytes integer,
              checksum varchar(64),
              description text,
              sort_order integer default 0,
              created_at text not null default current_timestamp,
              updated_at text not null default current_timestamp,
              unique (skill_id, relative_path)
            )
            """,
            """
            create table if not exists skill_allowed_tools (
              skill_id integer not null references skills(skill_id) on delete cascade,
              tool_name varchar(64) not null,
              required boolean not null default false,
              description text,
              created_at text not null default current_timestamp,
              primary key (skill_id, tool_name)
            )
            """,
            SkillSql.CREATE_META_TABLE,
            """
            create table if not exists skill_fleet_versions (
              version_id integer primary key autoincrement,
              skill_id integer not null,
              skill_path varchar(512) not null,
              content_hash varchar(64) not null,
              name varchar(64),
              description text,
              version varchar(20),
              type text,
              weight text,
              load_priority text,
              status text,
              skill_style text,
              scope text,
              skill_content text not null,
              frontmatter text,
              license text,
              executable_paths text,
              modified_at text,
              replaced_at text not null default current_timestamp,
              command text not null,
              host text not null,
              os_user text not null,
              reason text not null,
              kept_by varchar(36) not null
            )
            """,
            """
            create index if not exists skill_fleet_versions_skill on skill_fleet_versions (skill_id)
            """,
            """
            create index if not exists skill_fleet_versions_path on skill_fleet_versions (skill_path)
            """,
            """
            create index if not exists skill_fleet_versions_kept_by on skill_fleet_versions (kept_by)
            """,
            """
            create table if not exists skill_fleet_version_files (
              version_id integer not null references skill_fleet_versions(version_id) on delete cascade,
              relative_path varchar(512) not null,
              sha256 varchar(64) not null,
              size integer not null,
              primary key (version_id, relative_path)
            )
            """,
            """
            create table if not exists skill_fleet_version_lists (
              version_id integer not null references skill_fleet_versions(version_id) on delete cascade,
              list varchar(16) not null,
              value text not null,
              primary key (version_id, list, value)
            )
            """,
            """
            create table if not exists skill_fleet_blobs (
              sha256 varchar(64) primary key,
              content text,
              binary_data blob
            )
            """,
            """
            create table if not exists skill_fleet_changes (
              skill_id integer primary key,
              changes integer not null default 0
            )
            """,
            """
            create trigger if not exists skill_fleet_skill_changed after update on skills
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (new.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id = new.skill_id;
            end
            """,
            """
            create trigger if not exists skill_fleet_file_added after insert on skill_files
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (new.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id = new.skill_id;
            end
            """,
            """
            create trigger if not exists skill_fleet_file_changed after update on skill_files
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (new.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id in (old.skill_id, new.skill_id);
            end
            """,
            """
            create trigger if not exists skill_fleet_file_removed after delete on skill_files
            begin
              insert or ignore into skill_fleet_changes (skill_id) values (old.skill_id);
              update skill_fleet_changes set changes = changes + 1 where skill_id = old.skill_id;
            end
            """);
    }

    // Scope: status ('all' for every status) and a skill path prefix ('' for all, else the folder and below).
    private static final String IN_SCOPE = """
            (? = 'all' or cast(s.status as text) = ?)
               and (? = '' or s.skill_path = ? or substr(s.skill_path, 1, ?) = ?)
            """;

    /**
     * A cheap fingerprint of a skill's rows, computed without reading any content, that changes whenever anyone
     * changes what the skill's SKILL.md and files are made of: its skills row, its files, its keywords, tags and
     * allowed tools. PostgreSQL: the row versions (xmin) of those rows. SQLite: a change counter kept by this tool's
     * triggers. {@code %s} is the skill id expression.
     */
    private static final String FINGERPRINT_POSTGRES = """
            coalesce((select cast(x.xmin as text)
                   || ':' || coalesce((select string_agg(cast(f.file_id as text) || '.' || cast(f.xmin as text), ','
                                              order by f.file_id)
                                         from skill_files f where f.skill_id = x.skill_id), '')
                   || ':' || coalesce((select string_agg(cast(k.xmin as text), ',' order by k.keyword)
                                         from skill_keywords k where k.skill_id = x.skill_id), '')
                   || ':' || coalesce((select string_agg(cast(t.xmin as text), ',' order by t.tag)
                                         from skill_tags t where t.skill_id = x.skill_id), '')
                   || ':' || coalesce((select string_agg(cast(a.xmin as text), ',' order by a.tool_name)
                                         from skill_allowed_tools a where a.skill_id = x.skill_id), '')
                 from skills x where x.skill_id = %s), '')""";

    private static final String FINGERPRINT_SQLITE = """
            coalesce((select cast(c.changes as text) from skill_fleet_changes c where c.skill_id = %s), '')""";

    /**
     * What sync-db --watch polls: each skill in scope with its status and fingerprint, no content and no sizes. Anyone
     * creating, changing, archiving or removing a skill in scope changes the result. {@code %s}: the fingerprint.
     */
    private static final String SELECT_CHANGE_MARKS = """
            select s.skill_path, cast(s.status as text) as status, %s as current_fingerprint
              from skills s
             where %s
             order by s.skill_id
            """;
    static final String SELECT_CHANGE_MARKS_POSTGRES = SELECT_CHANGE_MARKS.formatted(
            FINGERPRINT_POSTGRES.formatted("s.skill_id"), IN_SCOPE);
    static final String SELECT_CHANGE_MARKS_SQLITE = SELECT_CHANGE_MARKS.formatted(
            FINGERPRINT_SQLITE.formatted("s.skill_id"), IN_SCOPE);

    /** A JSON array of skill paths bound as one parameter, as rows: one statement for any number of skills. */
    private static final String PATHS_POSTGRES = "select json_array_elements_text(cast(? as json))";
    private static final String PATHS_SQLITE = "select value from json_each(?)";

    /**
     * Locks the rows of skills about to be written, by skill id (a JSON array bound as one parameter): the skills rows
     * first, then the rows of theirs the fingerprint covers. A writer holding any of them in an open transaction is
     * waited for; one that inserts a file, keyword, tag or tool takes a key-share lock on the skills row (its foreign
     * key) and is waited for, or waits, too.
     */
    private static final String LOCK_SKILLS_POSTGRES = """
            with locked as (
              select skill_id
                from skills
               where skill_id in (select cast(value as integer) from json_array_elements_text(cast(? as json)))
               order by skill_id
                 for update
            )
            select (select count(*) from locked)
                 + (select count(*) from (select 1 from skill_files
                                           where skill_id in (select skill_id from locked)
                                           order by file_id
                                             for update) f)
                 + (select count(*) from (select 1 from skill_keywords
                                           where skill_id in (select skill_id from locked)
                                             for update) k)
                 + (select count(*) from (select 1 from skill_tags
                                           where skill_id in (select skill_id from locked)
                                             for update) t)
                 + (select count(*) from (select 1 from skill_allowed_tools
                                           where skill_id in (select skill_id from locked)
                                             for update) a)
            """;

    /**
     * Before the listing, for the rest of the transaction: no JIT compilation. The listing's estimated cost grows with
     * the number of skills (a fingerprint subquery per table per skill), and past PostgreSQL's jit_optimize_above_cost
     * compiling it takes several times longer than running it (0.4 s against 0.1 s for 5,000 skills).
     */
    private static final String PREPARE_LISTING_POSTGRES = """
            select set_config('jit', 'off', true)
            """;

    /**
     * The statements whose text differs between the two databases. {@code prepareListing} and {@code lockSkills} are
     * null on SQLite, which has no JIT and no row locks: a run's transaction there is BEGIN IMMEDIATE, so nobody else
     * writes between its listing and its writes.
     */
    record Dialected(String prepareListing, String selectListing, String selectSkillsByPaths, String selectFilesByPaths,
            String selectListsByPaths, String selectIdsByPaths, String lockSkills, String updateSkill,
            String archiveSkill, String refreshFingerprints, String insertSkillFile, String fillDependencyClosure,
            String recordMeta) {
    }

    /**
     * A file's text is bound as its UTF-8 bytes and made text by the database, so a large file is never held as a
     * Java string as well.
     */
    private static final String TEXT_FROM_BYTES_POSTGRES = "convert_from(?, 'UTF8')";
    private static final String TEXT_FROM_BYTES_SQLITE = "cast(? as text)";

    /**
     * Fills the emptied dependency_closure from skill_dependencies, with the meaning the service's own
     * update_dependency_closure() gives it: one row per skill (ancestor, the dependent) and skill it depends on
     * directly or through others (descendant), at the shortest depth, with the dependency types along that path
     * (in path order; the first path in type order where several are shortest). No row pairs a skill with itself.
     * Paths never revisit a skill, so a cycle ends. PostgreSQL: an array; SQLite: a JSON array in text.
     */
    private static final String FILL_DEPENDENCY_CLOSURE_POSTGRES = """
            with recursive walk (ancestor_id, descendant_id, depth, types, visited) as (
              select dependent_id, dependency_skill_id, 1, array[cast(dependency_type as text)],
                     array[dependent_id, dependency_skill_id]
                from skill_dependencies
              union all
              select w.ancestor_id, d.dependency_skill_id, w.depth + 1, w.types || cast(d.dependency_type as text),
                     w.visited || d.dependency_skill_id
                from walk w
                join skill_dependencies d on d.dependent_id = w.descendant_id
               where d.dependency_skill_id <> all(w.visited)
            )
            insert into dependency_closure (ancestor_id, descendant_id, min_depth, dependency_types)
            select distinct on (ancestor_id, descendant_id) ancestor_id, descendant_id, depth, types
              from walk
             order by ancestor_id, descendant_id, depth, types
            """;

    private static final String FILL_DEPENDENCY_CLOSURE_SQLITE = """
            with recursive walk (ancestor_id, descendant_id, depth, types, visited) as (
              select dependent_id, dependency_skill_id, 1, '"' || dependency_type || '"',
                     ',' || dependent_id || ',' || dependency_skill_id || ','
                from skill_dependencies
              union all
              select w.ancestor_id, d.dependency_skill_id, w.depth + 1, w.types || ',"' || d.dependency_type || '"',
                     w.visited || d.dependency_skill_id || ','
                from walk w
                join skill_dependencies d on d.dependent_id = w.descendant_id
               where instr(w.visited, ',' || d.dependency_skill_id || ',') = 0
            )
            insert into dependency_closure (ancestor_id, descendant_id, min_depth, dependency_types)
            select ancestor_id, descendant_id, depth, '[' || types || ']'
              from (select ancestor_id, descendant_id, depth, types,
                           row_number() over (partition by ancestor_id, descendant_id order by depth, types) as n
                      from walk)
             where n = 1
            """;

    static final Dialected POSTGRES = dialected(PREPARE_LISTING_POSTGRES, FINGERPRINT_POSTGRES, PATHS_POSTGRES,
            LOCK_SKILLS_POSTGRES, TEXT_FROM_BYTES_POSTGRES, FILL_DEPENDENCY_CLOSURE_POSTGRES);
    static final Dialected SQLITE = dialected(null, FINGERPRINT_SQLITE, PATHS_SQLITE, null, TEXT_FROM_BYTES_SQLITE,
            FILL_DEPENDENCY_CLOSURE_SQLITE);

    static Dialected of(Database.Dialect dialect) {
        return dialect == Database.Dialect.POSTGRESQL ? POSTGRES : SQLITE;
    }

    private static Dialected dialected(String prepareListing, String fingerprint, String paths, String lockSkills,
            String textFromBytes, String fillDependencyClosure) {
        return new Dialected(prepareListing,
                // bytes: the size of the skill's content, read from the values' headers (octet_length does not
                // fetch them), so fetching can be batched by size.
                """
                select s.skill_id, s.skill_path, cast(s.status as text) as status, m.content_hash, m.fingerprint,
                       %s as current_fingerprint,
                       coalesce(octet_length(s.skill_content), 0)
                         + coalesce((select sum(coalesce(octet_length(f.content), 0)
                                              + coalesce(octet_length(f.binary_data), 0))
                                       from skill_files f where f.skill_id = s.skill_id), 0) as bytes
                  from skills s
                  left join skill_fleet_skill_meta m on m.skill_id = s.skill_id
                 where %s
                 order by s.skill_id
                """.formatted(fingerprint.formatted("s.skill_id"), IN_SCOPE),
                """
                select s.skill_id, s.skill_path, s.name, s.description, s.version, cast(s.type as text) as type,
                       cast(s.weight as text) as weight, cast(s.load_priority as text) as load_priority,
                       cast(s.status as text) as status, cast(s.skill_style as text) as skill_style, s.scope,
                       s.skill_content, m.frontmatter, m.license, m.executable_paths, m.content_hash,
                       %s as current_fingerprint
                  from skills s
                  left join skill_fleet_skill_meta m on m.skill_id = s.skill_id
                 where s.skill_path in (%s)
                """.formatted(fingerprint.formatted("s.skill_id"), paths),
                """
                select f.skill_id, f.relative_path, f.content, f.binary_data
                  from skill_files f
                  join skills s on s.skill_id = f.skill_id
                 where s.skill_path in (%s)
                """.formatted(paths),
                // Each list in the order the per-skill queries of earlier versions read it (rebuilt frontmatter
                // lists it in that order, and the hash covers it).
                """
                with wanted as (select skill_id from skills where skill_path in (%s))
                select skill_id, 'keywords' as list, keyword as value
                  from skill_keywords where skill_id in (select skill_id from wanted)
                union all
                select skill_id, 'tags', tag
                  from skill_tags where skill_id in (select skill_id from wanted)
                union all
                select skill_id, 'allowed_tools', tool_name
                  from skill_allowed_tools where skill_id in (select skill_id from wanted)
                 order by 1, 2, 3
                """.formatted(paths),
                """
                select skill_id, skill_path from skills where skill_path in (%s)
                """.formatted(paths),
                lockSkills,
                // Compare-and-swap: the row is updated only while its fingerprint is still the one the plan saw.
                // It runs after lockSkills as a statement of its own, so under READ COMMITTED the fingerprint sees
                // what a writer waited for committed. (Had the update itself waited on the row lock, PostgreSQL
                // would recheck only the skills row, not the subqueries, and compare stale values.)
                // A null value keeps the column: the frontmatter does not carry that key.
                """
                update skills
                   set skill_path = ?,
                       name = ?,
                       description = coalesce(?, description),
                       version = coalesce(?, version),
                       type = coalesce(?, type),
                       weight = coalesce(?, weight),
                       load_priority = coalesce(?, load_priority),
                       status = coalesce(?, status),
                       skill_style = coalesce(?, skill_style),
                       scope = coalesce(?, scope),
                       skill_content = ?,
                       integrity_hash = ?
                 where skill_id = ?
                   and %s = ?
                """.formatted(fingerprint.formatted("skills.skill_id")),
                // The deletion marker: a skill deleted from a folder is archived, never deleted.
                """
                update skills set status = 'archived'
                 where skill_id = ?
                   and %s = ?
                """.formatted(fingerprint.formatted("skills.skill_id")),
                """
                update skill_fleet_skill_meta
                   set fingerprint = %s
                 where skill_id in (select skill_id from skills where skill_path in (%s))
                """.formatted(fingerprint.formatted("skill_fleet_skill_meta.skill_id"), paths),
                """
                insert into skill_files (skill_id, file_type, relative_path, filename, content, binary_data,
                                         file_size_bytes, checksum)
                values (?, ?, ?, ?, %s, ?, ?, ?)
                """.formatted(textFromBytes),
                fillDependencyClosure,
                // A row another writer changed, now equal to the folder it was brought into: recorded as what this
                // tool wrote (the frontmatter block the folder holds, its hash, the fingerprint it was fetched at),
                // only while the row still has that fingerprint. A row without a meta row (the service wrote it)
                // gets one; an existing one keeps its license and executable paths, which the fetch used.
                """
                insert into skill_fleet_skill_meta (skill_id, frontmatter, executable_paths, content_hash, fingerprint)
                select skill_id, ?, '', ?, ? from skills where skill_id = ? and %s = ?
                on conflict (skill_id) do update
                   set frontmatter = excluded.frontmatter,
                       content_hash = excluded.content_hash,
                       fingerprint = excluded.fingerprint,
                       written_at = current_timestamp
                """.formatted(fingerprint.formatted("skills.skill_id")));
    }

    /** Whether any row, archived included, lies in a scope: tells a mistyped --skill-path from an empty one. */
    static final String SELECT_ANY_IN_SCOPE = """
            select 1 from skills s
             where %s
             limit 1
            """.formatted(IN_SCOPE);

    /** Every skill path with its status, nothing else: which folder names the flat layout finds elsewhere. */
    static final String SELECT_PATH_STATUSES = """
            select s.skill_path, cast(s.status as text) as status from skills s
            """;

    /** What `list` shows of each skill: path, name, status, version, files (SKILL.md included), last modified. */
    static final String SELECT_SKILL_SUMMARIES = """
            select s.skill_path, s.name, cast(s.status as text) as status, s.version,
                   1 + (select count(*) from skill_files f where f.skill_id = s.skill_id) as files,
                   cast(s.last_modified as text) as last_modified
              from skills s
             where %s
             order by s.skill_path
            """.formatted(IN_SCOPE);

    /**
     * find on PostgreSQL: the service's generated search_vector (GIN-indexed; name weighted A, description B, body C,
     * text-search configuration 'english', so the query uses it too) against websearch_to_tsquery, which takes any
     * text without a syntax error. Ranked by ts_rank; the snippet from ts_headline over the description and body,
     * computed only for the rows kept. Binds: the words twice, the scope, the limit, the words again.
     */
    static final String SEARCH_SKILLS_POSTGRES = """
            with hits as (
              select s.skill_path, s.name, cast(s.status as text) as status, s.description, s.skill_content,
                     ts_rank(s.search_vector, websearch_to_tsquery('english', ?)) as score
                from skills s
               where s.search_vector @@ websearch_to_tsquery('english', ?)
                 and %s
               order by score desc, s.skill_path
               limit ?
            )
            select h.skill_path, h.name, h.status, h.score,
                   ts_headline('english', h.description || ' ' || h.skill_content, websearch_to_tsquery('english', ?),
                               'StartSel=[, StopSel=], MinWords=8, MaxWords=20, MaxFragments=1, FragmentDelimiter=...')
                     as snippet
              from hits h
             order by h.score desc, h.skill_path
            """.formatted(IN_SCOPE);

    /**
     * find on SQLite: the tool's FTS5 index (see {@link #SQLITE_SEARCH}) ranked by bm25, name, description and body
     * weighted 5, 2, 1 after the search vector's A, B, C; bm25 is lower for a better match, so the score is its
     * negation. The snippet is FTS5's, from whichever column matched best. Binds: the FTS5 query, the scope, the limit.
     */
    static final String SEARCH_SKILLS_SQLITE = """
            select s.skill_path, s.name, s.status, -bm25(skill_fleet_search, 5.0, 2.0, 1.0) as score,
                   snippet(skill_fleet_search, -1, '[', ']', '...', 16) as snippet
              from skill_fleet_search
              join skills s on s.skill_id = skill_fleet_search.rowid
             where skill_fleet_search match ?
               and %s
             order by bm25(skill_fleet_search, 5.0, 2.0, 1.0), s.skill_path
             limit ?
            """.formatted(IN_SCOPE);

    static final String SELECT_SKILL_TARGETS = """
            select skill_id, skill_path, name from skills
            """;

    static final String INSERT_SKILL = """
            insert into skills (skill_path, name, description, version, type, weight, load_priority, status,
                                skill_style, skill_content, scope, integrity_hash)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;

    static final String UPSERT_SKILL_META = """
            insert into skill_fleet_skill_meta (skill_id, frontmatter, license, executable_paths, content_hash)
            values (?, ?, ?, ?, ?)
            on conflict (skill_id) do update
               set frontmatter = excluded.frontmatter,
                   license = excluded.license,
                   executable_paths = excluded.executable_paths,
                   content_hash = excluded.content_hash,
                   written_at = current_timestamp
            """;

    /** A row still as this tool wrote it (its recorded hash), under a new fingerprint. */
    static final String UPDATE_META_FINGERPRINT = """
            update skill_fleet_skill_meta set fingerprint = ? where skill_id = ? and content_hash = ?
            """;

    /** After archiving: the hash of the archived row, as this tool now wrote it. */
    static final String UPDATE_META_HASH = """
            update skill_fleet_skill_meta set content_hash = ? where skill_id = ?
            """;

    static final String DELETE_SKILL_FILES = """
            delete from skill_files where skill_id = ?
            """;

    static final String DELETE_SKILL_KEYWORDS = """
            delete from skill_keywords where skill_id = ?
            """;

    static final String INSERT_SKILL_KEYWORD = """
            insert into skill_keywords (skill_id, keyword) values (?, ?)
            on conflict do nothing
            """;

    static final String DELETE_SKILL_TAGS = """
            delete from skill_tags where skill_id = ?
            """;

    static final String INSERT_SKILL_TAG = """
            insert into skill_tags (skill_id, tag) values (?, ?)
            on conflict do nothing
            """;

    static final String DELETE_SKILL_TOOLS = """
            delete from skill_allowed_tools where skill_id = ?
            """;

    static final String INSERT_SKILL_TOOL = """
            insert into skill_allowed_tools (skill_id, tool_name) values (?, ?)
            on conflict do nothing
            """;

    static final String DELETE_CAPABILITIES = """
            delete from capabilities where skill_id = ?
            """;

    static final String INSERT_CAPABILITY = """
            insert into capabilities (skill_id, name, description, sort_order) values (?, ?, ?, ?)
            on conflict do nothing
            """;

    /**
     * A category, its parent found by path. INSERT ... SELECT, not VALUES: pgjdbc rewrites a batch of VALUES inserts
     * into one multi-row insert, whose parent lookups would all run before any row of the batch exists. A category an
     * earlier version created without its parent (that rewrite) gets it now.
     */
    static final String INSERT_CATEGORY = """
            insert into taxonomy_categories (path, name, parent_id, level)
            select ?, ?, (select category_id from taxonomy_categories where path = ?), ? where true
            on conflict (path) do update set parent_id = excluded.parent_id
             where taxonomy_categories.parent_id is null and excluded.parent_id is not null
            """;

    /**
     * The closure rows of one category (bound by path), as the service reads its tree: (itself, itself, 0) and one
     * row per ancestor along parent_id with the distance. Idempotent. The walk stops after 512 steps, so a loop of
     * parent_ids someone made ends too.
     */
    static final String INSERT_TAXONOMY_CLOSURE = """
            with recursive up (ancestor_id, descendant_id, depth) as (
              select category_id, category_id, 0 from taxonomy_categories where path = ?
              union all
              select c.parent_id, up.descendant_id, up.depth + 1
                from up
                join taxonomy_categories c on c.category_id = up.ancestor_id
               where c.parent_id is not null and up.depth < 512
            )
            insert into taxonomy_closure (ancestor_id, descendant_id, depth)
            select ancestor_id, descendant_id, min(depth) from up where true group by ancestor_id, descendant_id
            on conflict (ancestor_id, descendant_id) do nothing
            """;

    static final String UPSERT_SKILL_CATEGORY = """
            insert into skill_categories (skill_id, category_id, is_primary)
            values (?, (select category_id from taxonomy_categories where path = ?), ?)
            on conflict (skill_id, category_id) do update set is_primary = excluded.is_primary
            """;

    static final String SELECT_PATH_OF_SKILL = """
            select skill_path from skills where skill_id = ?
            """;

    /** A renamed skill's old path, so what still names it finds the skill (the service reads skill_aliases). */
    static final String INSERT_SKILL_ALIAS = """
            insert into skill_aliases (skill_id, alias_path, reason) values (?, ?, 'renamed by skill-fleet')
            on conflict (skill_id, alias_path) do nothing
            """;

    /** A renamed skill leaves the categories of its old path that its new path does not have. */
    static final String DELETE_SKILL_CATEGORY = """
            delete from skill_categories
             where skill_id = ? and category_id = (select category_id from taxonomy_categories where path = ?)
            """;

    static final String DELETE_SKILL_DEPENDENCIES = """
            delete from skill_dependencies where dependent_id = ?
            """;

    static final String UPSERT_SKILL_DEPENDENCY = """
            insert into skill_dependencies (dependent_id, dependency_skill_id, dependency_type) values (?, ?, ?)
            on conflict (dependent_id, dependency_skill_id) do update set dependency_type = excluded.dependency_type
            """;

    /**
     * The service's dependency_closure is rebuilt whole, as its update_dependency_closure() does (which truncates it):
     * emptied, then filled by {@link Dialected#fillDependencyClosure}.
     */
    static final String DELETE_DEPENDENCY_CLOSURE = """
            delete from dependency_closure
            """;

    static final String DELETE_SKILL_REFERENCES = """
            delete from skill_references where source_skill_id = ? and reference_type = 'see_also'
            """;

    static final String INSERT_SKILL_REFERENCE = """
            insert into skill_references (source_skill_id, target_skill_id, reference_type) values (?, ?, 'see_also')
            on conflict do nothing
            """;

    /**
     * The history statements that differ per database: keeping a version checks the row's fingerprint (as the
     * compare-and-swap does), and a file's SHA-256 is computed by the database (PostgreSQL's sha256(); on SQLite the
     * function {@link Database} registers on each connection), so kept content never travels to this tool and back.
     */
    record HistorySql(String keepVersion, String keepVersionFiles) {
    }

    /** A file's bytes as the database holds them: text as its UTF-8 bytes, else binary_data, else none. */
    private static final String FILE_BYTES_POSTGRES = "coalesce(convert_to(f.content, 'UTF8'), f.binary_data, "
            + "decode('', 'hex'))";
    private static final String FILE_BYTES_SQLITE = "coalesce(cast(f.content as blob), f.binary_data, x'')";

    static final HistorySql HISTORY_POSTGRES = historySql(FINGERPRINT_POSTGRES, FILE_BYTES_POSTGRES,
            "encode(sha256(b), 'hex')");
    static final HistorySql HISTORY_SQLITE = historySql(FINGERPRINT_SQLITE, FILE_BYTES_SQLITE,
            "skill_fleet_sha256(b)");

    static HistorySql history(Database.Dialect dialect) {
        return dialect == Database.Dialect.POSTGRESQL ? HISTORY_POSTGRES : HISTORY_SQLITE;
    }

    private static HistorySql historySql(String fingerprint, String fileBytes, String sha256) {
        return new HistorySql(
                // One version per row about to be replaced, copied from the live rows, only while the row still has
                // the fingerprint the plan saw (a row changed meanwhile is not replaced, so nothing is kept). The
                // hash is the skill hash the listing computed; kept_by names this batch for the statements below.
                """
                insert into skill_fleet_versions (skill_id, skill_path, content_hash, name, description, version,
                       type, weight, load_priority, status, skill_style, scope, skill_content, frontmatter, license,
                       executable_paths, modified_at, command, host, os_user, reason, kept_by)
                select s.skill_id, s.skill_path, ?, s.name, s.description, s.version, cast(s.type as text),
                       cast(s.weight as text), cast(s.load_priority as text), cast(s.status as text),
                       cast(s.skill_style as text), s.scope, s.skill_content, m.frontmatter, m.license,
                       m.executable_paths, s.last_modified, ?, ?, ?, ?, ?
                  from skills s
                  left join skill_fleet_skill_meta m on m.skill_id = s.skill_id
                 where s.skill_id = ?
                   and %s = ?
                """.formatted(fingerprint.formatted("s.skill_id")),
                // The manifest of each version kept by one batch: path, SHA-256 and size of every file.
                """
                with kept as (select version_id, skill_id from skill_fleet_versions where kept_by = ?)
                insert into skill_fleet_version_files (version_id, relative_path, sha256, size)
                select version_id, relative_path, %s, length(b)
                  from (select k.version_id, f.relative_path, %s as b
                          from kept k
                          join skill_files f on f.skill_id = k.skill_id) x
                """.formatted(sha256, fileBytes));
    }

    /** The keywords, tags and allowed tools of each version kept by one batch. */
    static final String KEEP_VERSION_LISTS = """
            with kept as (select version_id, skill_id from skill_fleet_versions where kept_by = ?)
            insert into skill_fleet_version_lists (version_id, list, value)
            select k.version_id, 'keywords', w.keyword from kept k join skill_keywords w on w.skill_id = k.skill_id
            union all
            select k.version_id, 'tags', t.tag from kept k join skill_tags t on t.skill_id = k.skill_id
            union all
            select k.version_id, 'allowed_tools', a.tool_name from kept k join skill_allowed_tools a
                on a.skill_id = k.skill_id
            """;

    /**
     * The contents of the files of the versions kept by one batch that history does not hold yet, once per SHA-256:
     * a file unchanged since an earlier version costs nothing more.
     */
    static final String KEEP_VERSION_BLOBS = """
            with kept as (select version_id, skill_id from skill_fleet_versions where kept_by = ?)
            insert into skill_fleet_blobs (sha256, content, binary_data)
            select v.sha256, f.content, f.binary_data
              from kept k
              join skill_fleet_version_files v on v.version_id = k.version_id
              join skill_files f on f.skill_id = k.skill_id and f.relative_path = v.relative_path
             where not exists (select 1 from skill_fleet_blobs b where b.sha256 = v.sha256)
            on conflict (sha256) do nothing
            """;

    /**
     * The kept versions of a skill, newest first: by path, and by skill id (the versions it had under another path).
     * files counts SKILL.md; bytes is its body's size plus the files'.
     */
    static final String SELECT_VERSIONS = """
            select v.version_id, v.skill_id, v.skill_path, v.content_hash, cast(v.replaced_at as text) as replaced_at,
                   cast(v.modified_at as text) as modified_at, v.status, v.command, v.host, v.os_user, v.reason,
                   1 + (select count(*) from skill_fleet_version_files f where f.version_id = v.version_id) as files,
                   octet_length(v.skill_content) + coalesce((select sum(f.size) from skill_fleet_version_files f
                                                           where f.version_id = v.version_id), 0) as bytes
              from skill_fleet_versions v
             where v.skill_path = ? or v.skill_id = ?
             order by v.version_id desc
            """;

    /** One kept version, with what rebuilds its SKILL.md. */
    static final String SELECT_VERSION = """
            select version_id, skill_id, skill_path, content_hash, name, description, version, type, weight,
                   load_priority, status, skill_style, scope, skill_content, frontmatter, license, executable_paths,
                   cast(replaced_at as text) as replaced_at, reason
              from skill_fleet_versions
             where version_id = ?
            """;

    static final String SELECT_VERSION_FILES = """
            select v.relative_path, b.content, b.binary_data
              from skill_fleet_version_files v
              join skill_fleet_blobs b on b.sha256 = v.sha256
             where v.version_id = ?
            """;

    /** In the order a fetch reads a live row's lists (the rebuilt frontmatter lists them so). */
    static final String SELECT_VERSION_LISTS = """
            select list, value from skill_fleet_version_lists where version_id = ? order by list, value
            """;
}
