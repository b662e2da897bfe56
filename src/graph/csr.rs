//! Compressed adjacency lists: one flat vector plus offsets, so a million edges cost a few MB.

/// Items grouped by a dense `u32` key.
#[derive(Debug, Default, Clone)]
pub struct Csr<T> {
    offsets: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy> Csr<T> {
    /// Groups `pairs` by key (counting sort; order within a key follows the input).
    pub fn build(keys: usize, pairs: impl Iterator<Item = (u32, T)> + Clone) -> Csr<T> {
        let mut offsets = vec![0u32; keys + 1];
        for (k, _) in pairs.clone() {
            offsets[k as usize + 1] += 1;
        }
        for i in 0..keys {
            offsets[i + 1] += offsets[i];
        }
        let total = offsets[keys] as usize;
        let mut fill = offsets.clone();
        let mut items: Vec<Option<T>> = vec![None; total];
        for (k, v) in pairs {
            let at = &mut fill[k as usize];
            items[*at as usize] = Some(v);
            *at += 1;
        }
        Csr {
            offsets,
            items: items.into_iter().flatten().collect(),
        }
    }

    pub fn get(&self, key: u32) -> &[T] {
        let k = key as usize;
        if k + 1 >= self.offsets.len() {
            return &[];
        }
        &self.items[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }

    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.items.capacity() * std::mem::size_of::<T>()
    }
}
