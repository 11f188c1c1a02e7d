/**
 * A skill that cannot be stored faithfully: the run reports it in one line (folder, file, rule) and skips it, while
 * the other skills go through.
 */
class InvalidSkill extends Exception {
    final String file;
    final String rule;

    InvalidSkill(String skillPath, String file, String rule) {
        super(skillPath + (file == null ? "" : "/" + file) + ": " + rule);
        this.file = file;
        this.rule = rule;
    }

    /** The reason as a skip reports it: the file, then the rule. */
    String reason() {
        return (file == null ? "" : file + ": ") + rule;
    }
}
