# A linter-sized agent for the event-loop figures: ~100 findings (~7 KB) on stdout, one line per
# write as real tools flush them, then ~50 ms more of "work". Only shell builtins in the loop.
i=0
while [ $i -lt 100 ]; do
  echo "src/module$i.ts:$i:7: warning: 'value$i' is assigned a value but never used (no-unused-vars)"
  i=$((i + 1))
done
sleep 0.05
