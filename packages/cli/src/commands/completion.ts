import type { Command } from "commander";
import { type CliIo, UsageError } from "../context.js";
import { examples } from "./client-options.js";

const SHELLS = ["bash", "zsh", "fish"] as const;

interface Spec {
  name: string;
  description: string;
  options: string[];
}

function specsOf(program: Command): Spec[] {
  const specs: Spec[] = [];
  const walk = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const name = prefix ? `${prefix} ${sub.name()}` : sub.name();
      specs.push({
        name,
        description: sub.description(),
        options: sub.options.flatMap((o) =>
          [o.long, o.short].filter((f): f is string => Boolean(f)),
        ),
      });
      walk(sub, name);
    }
  };
  walk(program, "");
  return specs;
}

/** A completion script for `shell`, generated from the commands and options themselves. */
export function completionScript(program: Command, shell: string): string {
  const specs = specsOf(program);
  const top = specs.filter((s) => !s.name.includes(" "));
  switch (shell) {
    case "bash": {
      const children = (name: string) =>
        specs.filter(
          (c) => c.name.startsWith(`${name} `) && !c.name.slice(name.length + 1).includes(" "),
        );
      const words = (s: Spec) =>
        [...s.options, ...children(s.name).map((c) => c.name.split(" ").at(-1)), "--help"].join(
          " ",
        );
      // Nested commands ("config show") before their parent ("config "*): the first match wins.
      const cases = [...specs.filter((s) => s.name.includes(" ")), ...top]
        .map(
          (s) =>
            `    ${s.name.includes(" ") ? `"${s.name}"` : `"${s.name} "*`}) opts="${words(s)}" ;;`,
        )
        .join("\n");
      return `# isa completion for bash: eval "$(isa completion bash)", or save it as ~/.local/share/bash-completion/completions/isa
_isa() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" sub="" opts i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; fi
  done
  case "$cmd $sub" in
    " ") opts="${top.map((s) => s.name).join(" ")} --help --version" ;;
${cases}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  return 0
}
complete -F _isa isa
`;
    }
    case "zsh":
      return `#compdef isa
# isa completion for zsh: isa completion zsh > "\${fpath[1]}/_isa"
_isa() {
  local -a commands
  commands=(
${top.map((s) => `    '${s.name}:${s.description.replaceAll("'", "'\\''").replaceAll(":", "\\:")}'`).join("\n")}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "\${words[2]}" in
${top.map((s) => `    ${s.name}) _arguments '*:file:_files' ${s.options.map((o) => `'${o}[]'`).join(" ")} ;;`).join("\n")}
  esac
}
compdef _isa isa
`;
    case "fish":
      return `# isa completion for fish: isa completion fish > ~/.config/fish/completions/isa.fish
complete -c isa -f
${top.map((s) => `complete -c isa -n '__fish_use_subcommand' -a '${s.name}' -d '${s.description.replaceAll("'", "\\'")}'`).join("\n")}
${top
  .flatMap((s) =>
    s.options
      .filter((o) => o.startsWith("--"))
      .map((o) => `complete -c isa -n '__fish_seen_subcommand_from ${s.name}' -l '${o.slice(2)}'`),
  )
  .join("\n")}
`;
    default:
      throw new UsageError(`completion takes one of ${SHELLS.join(", ")}; got "${shell}"`);
  }
}

export function registerCompletion(program: Command, io: CliIo): void {
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", SHELLS.join(", "))
    .addHelpText(
      "after",
      examples(
        'eval "$(isa completion bash)"        # in ~/.bashrc',
        "isa completion fish > ~/.config/fish/completions/isa.fish",
      ),
    )
    .action((shell: string) => {
      io.stdout.write(completionScript(program, shell));
    });
}
