# bash completion for tendctl(1).                        -*- shell-script -*-
#
# make install puts it in $(datadir)/bash-completion/completions/tendctl,
# where bash-completion loads it on first use; or source it by hand.
#
# Verbs come from `tendctl help` (tendctl's own verb table), process
# names from the running tendd (`tendctl avail`, with the -c/-s given on
# the command line), asked quietly: with no tendd there are simply no
# names to offer.  Nothing is cached, so names follow reloads.

# Print tendctl's verbs, one per line.
_tendctl_verbs()
{
	# -s: a socket path, so that tendctl reads no config; help never
	# connects.  Verb lines are "  VERB ARGS  help"; a long argument
	# form has its help on a continuation line, indented further.
	local line
	"$1" -s /nonexistent/tend.sock help 2>/dev/null |
	    while IFS= read -r line; do
		case $line in
		"  "[a-z]*)
			line=${line#  }
			printf '%s\n' "${line%% *}"
			;;
		esac
	    done
}

# Print the process names tendd knows, then GROUP:* for each group with
# more than one process.  $1: tendctl; the rest: its -c/-s options.
_tendctl_names()
{
	local ctl=$1 name
	shift
	local -a run=("$ctl" "$@" avail)
	# A stalled tendd must not hang the shell.
	if command -v timeout >/dev/null 2>&1; then
		run=(timeout 2 "${run[@]}")
	fi
	"${run[@]}" 2>/dev/null </dev/null |
	    while read -r name _; do
		[ -n "$name" ] || continue
		printf '%s\n' "$name"
		case $name in
		*:*) printf '%s\n' "${name%%:*}:*" ;;
		esac
	    done | sort -u
}

# COMPREPLY: the words of $1 (one per line or blank-separated) that
# start with $cur.  No compgen -W: it would expand the * of GROUP:*.
_tendctl_reply()
{
	local w
	local -a list
	# read -a splits on blanks and newlines without globbing.
	IFS=$' \t\n' read -r -d '' -a list <<<"$1"
	COMPREPLY=()
	for w in "${list[@]}"; do
		case $w in
		"$cur"*) COMPREPLY+=("$w") ;;
		esac
	done
}

_tendctl()
{
	local cur prev words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		# ':' in GROUP:NAME must not split the word.
		_get_comp_words_by_ref -n : cur prev words cword
	else
		# Without bash-completion: split the line on blanks only
		# (COMP_WORDS is split on ':' too).
		local line=${COMP_LINE:0:COMP_POINT}
		read -r -a words <<<"$line"
		case $line in
		*[[:space:]]) words+=("") ;;
		esac
		cword=$((${#words[@]} - 1))
		cur=${words[cword]}
		prev=${words[cword - 1]}
	fi

	local ctl=${words[0]}
	local -a opts=()
	local i=1 verb='' vpos=0
	# Options before the verb: -c FILE and -s SOCKET reach the same tendd
	# as the command being typed.
	while [ "$i" -lt "$cword" ]; do
		case ${words[i]} in
		-c | -s)
			opts+=("${words[i]}" "${words[i + 1]}")
			i=$((i + 1))
			;;
		-c?* | -s?*) opts+=("${words[i]}") ;;
		-*) ;;
		*)
			verb=${words[i]}
			vpos=$i
			break
			;;
		esac
		i=$((i + 1))
	done

	COMPREPLY=()
	if [ -z "$verb" ]; then
		case $prev in
		-c)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
			;;
		-s)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
			;;
		esac
		case $cur in
		-*)
			_tendctl_reply '-c -s --json -h --help -V --version'
			;;
		*)
			_tendctl_reply "$(_tendctl_verbs "$ctl")"
			;;
		esac
		return
	fi

	# The argument number after the verb (1: the first).
	local argn=$((cword - vpos))
	local extra=
	case $verb in
	help)
		[ "$argn" -eq 1 ] &&
		    _tendctl_reply "$(_tendctl_verbs "$ctl")"
		return
		;;
	version | shutdown | reopen | reread | avail | maintail | metrics)
		case $verb in
		maintail) extra='-f -n' ;;
		avail | version) extra='--json' ;;
		esac
		_tendctl_reply "$extra"
		return
		;;
	reload)
		_tendctl_reply '-n --dry-run'
		return
		;;
	signal)
		if [ "$argn" -eq 1 ]; then
			_tendctl_reply 'HUP INT QUIT KILL USR1 USR2 TERM CONT STOP WINCH'
			return
		fi
		;;
	tail)
		case $prev in
		-n) return ;;
		esac
		# After the name: which stream.
		local w have_name=
		for w in "${words[@]:vpos+1:argn-1}"; do
			case $w in -*) ;; *) have_name=1 ;; esac
		done
		if [ -n "$have_name" ]; then
			_tendctl_reply 'stdout stderr'
			return
		fi
		extra='-f -n'
		;;
	status | pid) extra='all --json' ;;
	start | stop | clear) extra='all' ;;
	restart) extra='all --rolling -N' ;;
	update) extra='all -n --dry-run' ;;
	esac
	[ "$prev" = -N ] && return

	_tendctl_reply "$extra $(_tendctl_names "$ctl" "${opts[@]}")"
	# readline replaces only the part of the word after its last ':'.
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local k pre=${cur%"${cur##*:}"}
		for k in "${!COMPREPLY[@]}"; do
			COMPREPLY[k]=${COMPREPLY[k]#"$pre"}
		done
	fi
} &&
	complete -F _tendctl tendctl

# ex: filetype=sh
