# bash completion for subid-check(8)                                      -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0-or-later
# Installed as "subid-check" in bash-completion's completions directory, where it is loaded on
# first use of the command. Options as in subid-check --help; "rootfs DIR" is the one subcommand.

_subid_check()
{
	local cur prev words cword split i have_rootfs=
	_init_completion -s || return

	case $prev in
	--user | -u)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return
		;;
	--sysroot)
		_filedir -d
		return
		;;
	--explain)
		# The error text to explain, or - for standard input.
		mapfile -t COMPREPLY < <(compgen -W '-' -- "$cur")
		return
		;;
	--min-count | --map)
		# A number / INNER:OUTER:COUNT: nothing sensible to offer.
		return
		;;
	--help | -h | --version)
		return
		;;
	esac
	$split && return

	# "rootfs DIR": after the subcommand, only its directory (options may still follow).
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--user | -u | --sysroot | --min-count | --map | --explain) ((i++)) ;;
		rootfs)
			have_rootfs=1
			if ((i == cword - 1)); then
				_filedir -d
				return
			fi
			;;
		esac
	done

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W '--user= --min-count= --no-probe --sysroot= --json
			--quiet --map= --explain= --help --version' -- "$cur")
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi
	[[ -n $have_rootfs ]] || mapfile -t COMPREPLY < <(compgen -W 'rootfs' -- "$cur")
} &&
	complete -F _subid_check subid-check

# ex: filetype=sh
