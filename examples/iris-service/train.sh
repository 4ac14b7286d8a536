#!/bin/sh
# "Trains" the iris model: a decision tree of two splits fitted to
# data/samples.csv. Every fifth row is held out; the accuracy on those is
# the model's metric. Writes model.json and metrics.json.
set -eu
awk -F, '
  NR == 1 { next }
  { n++; test = (n % 5 == 0) }
  !test { k++; L[k] = $1; W[k] = $2; C[k] = $3 }
  test { t++; TL[t] = $1; TW[t] = $2; TC[t] = $3 }
  END {
    # Split 1: between the longest setosa petal and the shortest other one.
    maxs = -1; mino = 1e9
    for (i = 1; i <= k; i++) {
      if (C[i] == "setosa") { if (L[i] > maxs) maxs = L[i] }
      else if (L[i] < mino) mino = L[i]
    }
    ls = (maxs + mino) / 2
    # Split 2: the petal width that best parts versicolor from virginica.
    best = -1
    for (i = 1; i <= k; i++) {
      if (C[i] == "setosa") continue
      ok = 0
      for (j = 1; j <= k; j++) {
        if (C[j] == "setosa") continue
        if ((W[j] < W[i]) == (C[j] == "versicolor")) ok++
      }
      if (ok > best) { best = ok; ws = W[i] }
    }
    right = 0
    for (i = 1; i <= t; i++) {
      c = TL[i] < ls ? "setosa" : (TW[i] < ws ? "versicolor" : "virginica")
      if (c == TC[i]) right++
    }
    printf "{\"model\": \"iris-tree\", \"petal_length_split\": %.3f, \"petal_width_split\": %.3f}\n", ls, ws > "model.json"
    printf "{\"accuracy\": %.4f, \"held_out\": %d, \"trained_on\": %d}\n", right / t, t, k > "metrics.json"
  }' data/samples.csv
cat metrics.json
