// The file "Create Starter Config" writes: the built-in secrets audit on save, and a commented
// example of a configured command (which asks for approval before it first runs).
export const STARTER_CONFIG = `# Agentic Background: agents that run in the background on save or on demand.
# Reference: the README's "Configuration" section. The editor validates this file as you type.
background:
  enabled: true
  max_concurrent_agents: 2
  task_timeout: 120
  retry_attempts: 2
  log_level: INFO
  agents:
    saa:                          # security audit: the built-in secrets scanner
      builtin: secrets
      priority: high
      max_memory: "256MB"
    # lint:                       # any command (never a shell); asks for approval before it runs
    #   command: ["npx", "eslint", "-f", "compact", "\${files}"]
    #   output: eslint-compact
    #   batch: true
    #   max_cpu_percent: 50
  triggers:
    - on: save
      files: "**/*"
      agent: saa
      task: security-audit
      debounce: 300ms
`;
