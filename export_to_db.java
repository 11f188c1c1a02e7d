///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Export a folder of agent skills to the skills database (PostgreSQL or the embedded SQLite)
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "export-to-db",
        description = "Create new skills in the database and update the ones changed in the folder; unchanged "
                + "skills are not rewritten. One transaction per run.",
        modelTransformer = Cli.AgentsHelp.class,
        footerHeading = "%nExamples:%n",
        footer = {
            "  export-to-db                  # ./skills into $DATABASE_URL (or embedded)",
            "  export-to-db --dry-run --strict  # pull-request gate (exit 0 or 3)",
            "  export-to-db -s my-skills --skill-path development --dry-run",
            "  export-to-db --db 'postgresql://app@db.example.com/skills' --json",
            "  export-to-db --agent claude-code --skill-path writing  # new flat skills go under writing/"})
class export_to_db implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Mixin Cli.ScopeOptions scope;
    @Mixin Cli.LayoutOptions layout;
    @Mixin Cli.LintOptions lint;
    @Spec CommandSpec spec;

    private RunContext context = RunContext.process();

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    @Option(names = {"-f", "--force"},
            description = "Overwrite database copies that another writer changed since this tool wrote them (each is "
                    + "backed up first under .skill-fleet/backup/).")
    boolean force;

    public static void main(String... args) {
        Cli.main(new export_to_db(), args);
    }

    @Override
    public Integer call() throws Exception {
        return Engine.run(new Engine.Request(spec.name(), layout.folders(spec, options.settings(), context.env(),
                false).get(0), SyncPlan.Mode.EXPORT,
                scope.with("all"), force, true, lint.strict), spec.commandLine().getOut(),
                spec.commandLine().getErr(), context);
    }
}
