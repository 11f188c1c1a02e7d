///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Import agent skills from the skills database into a local folder
//JAVA 17+
//SOURCES lib/*.java

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "import-from-db",
        description = "Write the database's skills into the folder; each skill folder appears complete or not at "
                + "all. Local copies changed since the last sync are left alone (reported as conflicts) unless -f.",
        modelTransformer = Cli.AgentsHelp.class,
        footerHeading = "%nExamples:%n",
        footer = {
            "  import-from-db                # active skills into ./skills",
            "  import-from-db --status all -s all-skills",
            "  import-from-db --status draft --skill-path development -n",
            "  import-from-db --agent claude-code --agent codex  # two agents, flat",
            "  import-from-db --agent claude-code --global       # ~/.claude/skills"})
class import_from_db implements Callable<Integer>, RunContext.Aware {
    @Mixin Cli.Options options;
    @Mixin Cli.ScopeOptions scope;
    @Mixin Cli.LayoutOptions layout;
    @Spec CommandSpec spec;

    private RunContext context = RunContext.process();

    @Override
    public void use(RunContext context) {
        this.context = context;
    }

    @Option(names = "--status", paramLabel = "STATUS", defaultValue = "active",
            description = "Skills of this status: active, draft, deprecated, archived or all (default: ${DEFAULT-VALUE}).")
    String status;

    @Option(names = {"-f", "--force"}, description = "Overwrite local copies that differ from the database.")
    boolean force;

    @Option(names = "--no-backup", description = "Do not save the local copies -f overwrites under .skill-fleet/backup/.")
    boolean noBackup;

    public static void main(String... args) {
        Cli.main(new import_from_db(), args);
    }

    @Override
    public Integer call() throws Exception {
        Cli.status(spec, status);
        int code = Cli.OK;
        for (Settings folder : layout.folders(spec, options.settings(), context.env(), true)) {
            code = Math.max(code, Engine.run(new Engine.Request(spec.name(), folder, SyncPlan.Mode.IMPORT,
                    scope.with(status), force, !noBackup, false), spec.commandLine().getOut(),
                    spec.commandLine().getErr(), context));
        }
        return code;
    }
}
