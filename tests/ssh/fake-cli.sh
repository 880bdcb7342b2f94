#!/bin/bash
# Plays a network device's command line for the SSH integration tests. An
# OpenSSH sshd started by a test runs it as ForceCommand, with one argument:
# a folder holding `prompt`, optional `page_lines`, `stall` and
# `enable_secret`, and outputs/<command>.txt for each command (characters
# other than letters and digits in the command become `_`).
#
# Exec requests print the command's output. A pty shell prints a banner,
# waits for a key, then shows a coloured prompt and answers commands, paging
# with --More-- every page_lines lines until `terminal length 0` is sent.
# The command named in `stall` prints two lines and then hangs. With an
# `enable_secret`, the session starts unprivileged at a `>` prompt. Then
# `enable` prompts for that secret and switches to the `#` prompt, and
# `show privilege` prints the level.

device=$1
prompt=$(cat "$device/prompt")
page_lines=$(cat "$device/page_lines" 2>/dev/null || echo 0)
stall=$(cat "$device/stall" 2>/dev/null || true)
level=15
if [ -f "$device/enable_secret" ]; then
  enable_secret=$(cat "$device/enable_secret")
  privileged_prompt=$prompt
  prompt="${prompt%#}>"
  level=1
fi

output_file() {
  printf '%s/outputs/%s.txt' "$device" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_')"
}

if [ -n "$SSH_ORIGINAL_COMMAND" ]; then
  file=$(output_file "$SSH_ORIGINAL_COMMAND")
  if [ -f "$file" ]; then
    cat "$file"
    exit 0
  fi
  echo "% Invalid input detected at '^' marker."
  exit 1
fi

paging=1

# Prints a file, stopping at a --More-- prompt every page_lines lines until
# a key arrives. The prompt is erased with backspaces, as IOS does.
show() {
  local count=0 key line
  while IFS= read -r line || [ -n "$line" ]; do
    if [ "$paging" = 1 ] && [ "$page_lines" -gt 0 ] && [ "$count" -ge "$page_lines" ]; then
      printf ' --More-- '
      read -r -s -n 1 key < /dev/tty
      printf '\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b'
      [ "$key" = q ] && return
      count=0
    fi
    printf '\033[K%s\n' "$line"
    count=$((count + 1))
  done < "$1"
}

printf '\r\n\033[1mAuthorized access only\033[0m\r\n'
printf 'Press any key to continue'
read -r -s -n 1 _
printf '\r\n\033[32m%s\033[0m' "$prompt"
while IFS= read -r line; do
  line=${line%$'\r'}
  case "$line" in
    exit|quit|logout) exit 0 ;;
    "") ;;
    "terminal length 0") paging=0 ;;
    "show privilege") echo "Current privilege level is $level" ;;
    enable)
      printf 'Password: '
      read -r -s secret
      secret=${secret%$'\r'}
      printf '\n'
      if [ -n "${enable_secret:-}" ] && [ "$secret" = "$enable_secret" ]; then
        prompt=$privileged_prompt
        level=15
      else
        echo "% Access denied"
      fi
      ;;
    *)
      file=$(output_file "$line")
      if [ "$line" = "$stall" ]; then
        head -n 2 "$file"
        sleep 30
      fi
      if [ -f "$file" ]; then
        show "$file"
      else
        echo "% Invalid input detected at '^' marker."
      fi
      ;;
  esac
  printf '\033[32m%s\033[0m' "$prompt"
done
