///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION skill-fleet: keep a folder of agent skills and a PostgreSQL (or embedded SQLite) database in step
//JAVA 17+
//SOURCES lib/*.java export_to_db.java import_from_db.java sync_db.java list_skills.java find_skills.java diff_skills.java log_skill.java restore_skill.java doctor.java

import picocli.CommandLine.Command;

@Command(name = "skill-fleet", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Keep a folder of agent skills and a skills database in step.",
        subcommands = {export_to_db.class, import_from_db.class, sync_db.class, list_skills.class, find_skills.class,
            diff_skills.class, log_skill.class, restore_skill.class, doctor.class,
            picocli.AutoComplete.GenerateCompletion.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  skill-fleet sync-db",
            "  skill-fleet export-to-db --db \"$DATABASE_URL\" --dry-run",
            "  skill-fleet import-from-db --status all -s restored-skills",
            "  skill-fleet find python testing                # which skills cover these words",
            "  skill-fleet diff development/languages/python  # what differs from the database",
            "  skill-fleet log writing/technical-writing && skill-fleet restore writing/technical-writing",
            "  skill-fleet doctor                             # why a run fails: one line per check, with its fix",
            "  source <(skill-fleet generate-completion)     # bash or zsh completion"})
class skill_fleet {
    public static void main(String... args) {
        Cli.main(new skill_fleet(), args);
    }
}
